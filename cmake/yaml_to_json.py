# Converts an OpenAPI document from YAML to JSON (the test support's validator reads JSON).
# Run by tests/CMakeLists.txt with /usr/bin/python3 (python3-yaml).
#   usage: yaml_to_json.py INPUT.yaml OUTPUT.json
import json
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as f:
    document = yaml.safe_load(f)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    # Unquoted dates in examples load as dates: written back as their ISO text.
    json.dump(document, f, indent=1, sort_keys=True, default=str)
    f.write("\n")
