"""The trace browser: server-rendered pages under /ui, and the API docs served offline."""
