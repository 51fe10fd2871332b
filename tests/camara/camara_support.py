# What the CAMARA steps share: the test brands and keys, the skip list, the vendored definition
# and the validation of every answer against it (jsonschema with the YAML's components).
import copy
import json
import os
import random

import jsonschema
import yaml

SPEC_PATH = "specs/camara/one-time-password-sms/code/API_definitions/one-time-password-sms.yaml"

# Scenarios otpgate cannot make true, by tag, with the reason (the same list is in
# docs/camara.md). Every other scenario of both r3.2 feature files runs.
SKIPPED = {
    "OTPvalidationAPI_404.1_send_code_phone_number_not_belong_to_operator":
        "otpgate is not a mobile operator and has no subscriber directory to tell the "
        "operator's own numbers from others'; a number outside a brand's countries or line types "
        "is refused with 403 ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_NOT_ALLOWED (scenario 04).",
}

# The configuration variables the feature files name (config_var: "...").
MESSAGE = "{{code}} is your short code to authenticate with Cool App via SMS"
MAX_TRY = 3          # the brand's code.max_attempts
MAX_SEND = 3         # the (max_send - 1)-th send-code is the last one the phone limit admits
MAX_LENGTH = 160     # the spec's Message maxLength
LOCK_AFTER = 2 * MAX_TRY  # wrong codes of a phone (for a brand) that lock it


def brand_json(**overrides):
    b = {
        "display_name": "Camara Test",
        "sender_id": "CamaraTest",
        "locales": ["en"],
        "default_locale": "en",
        # ttl 30 s (the schema's least): scenario 400.6 waits it out.
        "code": {"length": 6, "alphabet": "digits", "ttl_seconds": 30, "max_attempts": MAX_TRY,
                 "max_sends": 3, "resend_cooldown_seconds": 0},
        # Two verifications' wrong codes in an hour lock the phone for the brand (scenario 06's
        # barring); one verification's attempts never do.
        "lock": {"max_failed_checks": LOCK_AFTER, "window_seconds": 3600, "duration_seconds": 900,
                 "max_duration_seconds": 3600},
        "limits": {"phone_sends_per_10_minutes": MAX_SEND - 1, "phone_sends_per_day": 100,
                   "ip_creates_per_hour": 0, "prefix_sends_per_hour": 10000000,
                   "prefix_digits": 3, "brand_sends_per_minute": 10000000},
        "pumping": {"factor": 0},
        "allowed_countries": ["DE"],
        "gateways": ["file"],
    }
    b.update(overrides)
    return b


def brand_files(run_id):
    """brand id -> (brand.json, [(key name, key brand, role)])."""
    main, other, psd2 = "cmr" + run_id, "cmo" + run_id, "cmp" + run_id
    return {
        main: (brand_json(), [("shop", main, "shop"), ("manager", main, "brand_manager"),
                              ("support", main, "support"), ("all_shop", "*", "shop")]),
        other: (brand_json(), [("other_shop", other, "shop")]),
        psd2: (brand_json(psd2_dynamic_linking=True), [("psd2_shop", psd2, "shop")]),
    }


_phones = set()


def fresh_mobile():
    """A German mobile number (+49151 and 8 digits) no other step of this run used."""
    while True:
        n = "+49151%08d" % random.randrange(10 ** 8)
        if n not in _phones:
            _phones.add(n)
            return n


def fresh_landline():
    """A Berlin fixed-line number (+4930 and 8 digits)."""
    return "+4930%08d" % random.randrange(10 ** 7, 10 ** 8)


def load_spec(repo):
    with open(os.path.join(repo, SPEC_PATH)) as f:
        return yaml.safe_load(f)


def _validator(spec, schema):
    # The YAML's own components resolve every "#/components/..." reference.
    resolver = jsonschema.RefResolver(base_uri="", referrer=spec)
    return jsonschema.Draft7Validator(schema, resolver=resolver)


def schema_errors(spec, value, ref):
    """Problems of value against the schema at ref ("#/components/schemas/X" or without '#')."""
    ref = ref if ref.startswith("#") else "#" + ref
    v = _validator(spec, {"$ref": ref})
    return [e.message for e in v.iter_errors(value)]


def resolve_ref(spec, node):
    """The object a {"$ref": "#/a/b"} names, followed until it is no reference."""
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def response_problems(spec, resource, method, status, headers, body_text):
    """Problems of one answer against the YAML: its status is listed for the operation, its body
    matches the response's schema, its x-correlator matches XCorrelator."""
    path = resource.replace("/one-time-password-sms/v1", "", 1)
    op = spec["paths"].get(path, {}).get(method.lower())
    if op is None:
        return ["%s %s is not an operation of the definition" % (method, resource)]
    listed = op["responses"].get(str(status))
    if listed is None:
        return ["status %d is not listed for %s %s" % (status, method, resource)]
    response = resolve_ref(spec, copy.deepcopy(listed))
    problems = []
    correlator = headers.get("x-correlator")
    if correlator is None:
        problems.append("no x-correlator header")
    else:
        problems += ["x-correlator: " + e for e in
                     schema_errors(spec, correlator, "#/components/schemas/XCorrelator")]
    content = response.get("content")
    if not content:
        if body_text:
            problems.append("status %d has no content in the definition, got a body" % status)
        return problems
    ctype = headers.get("content-type", "")
    if ctype.split(";")[0].strip() not in content:
        return problems + ["content type %r not in %s" % (ctype, list(content))]
    try:
        body = json.loads(body_text)
    except ValueError:
        return problems + ["body is not JSON: %r" % body_text[:200]]
    schema = content[ctype.split(";")[0].strip()]["schema"]
    v = _validator(spec, schema)
    return problems + ["body: " + e.message for e in v.iter_errors(body)]
