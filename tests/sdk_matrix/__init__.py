"""SDK matrix (issue 15): every `honeyhive` line still in use, each in its own cached
environment, driven against a real server on both backends; plus replays of what each sent."""
