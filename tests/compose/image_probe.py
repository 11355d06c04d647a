"""Run INSIDE the api container (`python -c <this file's text> <json>`): prints one JSON
object describing the image: the user, the compilers and modules it has, what /opt and
/tmp hold, and the paths of files whose content is the build's CA bundle (by size and
SHA-256, both given in the JSON argument). Standard library only."""

import hashlib
import importlib.util
import json
import os
import shutil
import sys

wanted = json.loads(sys.argv[1])
ca_files = []
if wanted["ca_size"]:
    for top, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in ("/proc", "/sys", "/dev")]
        for name in files:
            path = os.path.join(top, name)
            try:
                if os.path.getsize(path) != wanted["ca_size"]:
                    continue
                with open(path, "rb") as handle:
                    if hashlib.sha256(handle.read()).hexdigest() == wanted["ca_sha256"]:
                        ca_files.append(path)
            except OSError:
                pass
app_spec = importlib.util.find_spec("app")
print(
    json.dumps(
        {
            "uid": os.getuid(),
            "compilers": [c for c in wanted["compilers"] if shutil.which(c)],
            "modules": [m for m in wanted["modules"] if importlib.util.find_spec(m)],
            "app": app_spec.origin if app_spec else None,
            "opt": sorted(os.listdir("/opt")),
            "tmp": sorted(os.listdir("/tmp")),
            "ca_files": ca_files,
        }
    )
)
