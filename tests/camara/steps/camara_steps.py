# Step definitions for the r3.2 feature files of one-time-password-sms, executed verbatim from
# specs/camara/one-time-password-sms/code/Test_definitions, and for otpgate's own scenarios
# (tests/camara/otpgate_*.feature). Every answer is validated against the vendored YAML.
import json
import os
import re
import secrets
import sys
import time
import uuid

from behave import given, then, use_step_matcher, when

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from camara_client import (SEND_CODE, call, other_code, send_code, set_property,  # noqa: E402
                           lock_phone, sent_code, unknown_authentication_id, use_sent,
                           validate)
from camara_support import (MAX_LENGTH, MAX_SEND, MAX_TRY, MESSAGE, fresh_landline,  # noqa: E402
                            fresh_mobile, schema_errors)

use_step_matcher("re")

# -- Background ------------------------------------------------------------------------------

@given(r'an environment at "apiRoot"')
def step_environment(context):
    context.request_headers = {}
    context.request_body = None
    context.answer = None
    context.config_vars = {"phone_number": fresh_mobile(), "message": MESSAGE,
                           "max_lenght": MAX_LENGTH, "max_send": MAX_SEND, "max_try": MAX_TRY}


@given(r'the resource "(?P<resource>[^"]+)"')
def step_resource(context, resource):
    context.resource = resource


@given(r'the header "(?P<name>[^"]+)" is set to "(?P<value>[^"]*)"')
def step_header_value(context, name, value):
    context.request_headers[name] = value


@given(r'the header "Authorization" is set to a valid access token')
def step_valid_token(context):
    context.request_headers["Authorization"] = "Bearer " + context.keys["shop"]


@given(r'the header "(?P<name>[^"]+)" complies with the schema at "(?P<ref>[^"]+)"')
def step_header_schema(context, name, ref):
    value = str(uuid.uuid4())
    assert not schema_errors(context.spec, value, ref)
    context.request_headers[name] = value


@given(r'the request body is set by default to a request body compliant with the schema')
def step_default_body(context):
    if context.resource == SEND_CODE:
        context.request_body = {"phoneNumber": context.config_vars["phone_number"],
                                "message": MESSAGE}
    else:
        # A well-formed authenticationId no send-code answered, and a well-formed code.
        context.request_body = {"authenticationId": unknown_authentication_id(),
                                "code": "123456"}


# -- Headers ---------------------------------------------------------------------------------

@given(r'the header "(?P<name>[^"]+)" is removed')
def step_header_removed(context, name):
    context.request_headers.pop(name, None)


@given(r'the header "Authorization" is set')
def step_authorization_is_set(context):
    # The scenarios "... without x-correlator": the request keeps its valid Authorization and
    # goes without the x-correlator the Background set (the scenario's title; the step names
    # only the header that stays).
    assert context.request_headers.get("Authorization", "").startswith("Bearer ")
    context.request_headers.pop("x-correlator", None)


@given(r'the header "Authorization" is set to an expired(?: access token)?')
def step_expired_token(context):
    context.request_headers["Authorization"] = "Bearer " + context.keys["revoked"]


@given(r'the header "Authorization" is set to an invalid access token')
def step_invalid_token(context):
    context.request_headers["Authorization"] = "Bearer not-a-key-" + secrets.token_hex(8)


# -- Request bodies --------------------------------------------------------------------------

@given(r'the request body is not included')
def step_no_body(context):
    context.request_body = None


@given(r'the request body is set to "(?P<text>[^"]*)"')
def step_body_text(context, text):
    context.request_body = json.loads(text)


@given(r'the request body property "(?P<path>[^"]+)" is set to config_var: "(?P<var>[^"]+)"')
def step_property_config(context, path, var):
    set_property(context.request_body, path, context.config_vars[var])


@given(r'the request body property "(?P<path>[^"]+)" is set to "(?P<value>[^"]*)"')
def step_property_value(context, path, value):
    set_property(context.request_body, path, value)


@given(r'the request body property "(?P<path>[^"]+)" is not valued')
def step_property_removed(context, path):
    context.request_body.pop(path[2:], None)


@given(r'the request body property "\$\.message" is longer than config_var:"max_lenght"')
def step_message_too_long(context):
    limit = context.config_vars["max_lenght"]
    context.request_body["message"] = MESSAGE + "x" * (limit + 1 - len(MESSAGE))
    assert len(context.request_body["message"]) == limit + 1


@given(r'the request body property "\$\.phoneNumber" is set to a phone number that cannot '
       r'receive SMS')
def step_phone_cannot_receive(context):
    # A French mobile: the brand sends to Germany only (allowed_countries).
    context.request_body["phoneNumber"] = "+3361234%04d" % secrets.randbelow(10 ** 4)


@given(r'the request body property "\$\.phoneNumber" is set to a phone number that target a '
       r'landline')
def step_phone_landline(context):
    context.request_body["phoneNumber"] = fresh_landline()


@given(r'the request body property "\$\.phoneNumber" is set to a phone number that that has an '
       r'active SMS barring')
def step_phone_barred(context):
    # otpgate's barring: the phone locked for the brand by wrong codes.
    phone = fresh_mobile()
    lock_phone(context, phone)
    context.request_body["phoneNumber"] = phone


@given(r'\(config_var:"max_send"-1\) of send-code requests for this phone number has been '
       r'submitted')
def step_sends_used(context):
    for _ in range(context.config_vars["max_send"] - 1):
        a = send_code(context, context.request_body["phoneNumber"])
        assert a.status == 200, a.body


# -- validate-code preparations --------------------------------------------------------------

@given(r'an authenticationId has been retrieved from a send-code request')
def step_auth_retrieved(context):
    auth, code = sent_code(context)
    use_sent(context, auth, code)
    context.request_body["code"] = other_code(code)  # the default body's code is a wrong one


@given(r'request body property "\$\.authenticationId" is set to the value from send-code request')
def step_auth_from_send(context):
    step_auth_retrieved(context)


@given(r'the request body property "\$\.code" is set to (?:the value |the code |the )?received '
       r'in the SMS')
def step_code_from_sms(context):
    context.request_body["code"] = context.sent["code"]


@given(r'the request body property "\$\.code" is set to a value distinct from the value '
       r'received in the SMS')
def step_code_distinct(context):
    context.request_body["code"] = other_code(context.sent["code"])


@given(r'the request body property "\$\.code" is set to a format valid value')
def step_code_format_valid(context):
    context.request_body["code"] = "123456"


@given(r'the time elapsed since the send-code exceed the allowed time')
def step_time_elapsed(context):
    # The brand's ttl_seconds (30, the least a brand may have) and a margin, waited out.
    time.sleep(31)


@given(r'Two send-code request has been sequentially triggered for the same phoneNumber')
def step_two_sends(context):
    phone = fresh_mobile()
    first = sent_code(context, phone)
    second = sent_code(context, phone)
    context.sends = [first, second]


# "first" in the spec's scenarios, "second" in otpgate's own (otpgate_extras.feature).
SEND_ORDER = {"first": 0, "second": 1}


@given(r'request body property "\$\.authenticationId" is set to the value got for the '
       r'(?P<which>first|second) send-code request')
def step_auth_nth(context, which):
    use_sent(context, *context.sends[SEND_ORDER[which]])


@given(r'the request body property "\$\.code" is set to the received in the SMS for this '
       r'(?P<which>first|second) request')
def step_code_nth(context, which):
    context.request_body["code"] = context.sends[SEND_ORDER[which]][1]


@given(r'a validate-code has been succesfully performed for a authenticationId')
def step_validated_once(context):
    auth, code = sent_code(context)
    a = validate(context, auth, code)
    assert a.status == 204, a.body
    context.sent = {"authenticationId": auth, "code": code}


@given(r'request body property "\$\.authenticationId" is valued again with this authenticationId')
def step_auth_again(context):
    context.request_body["authenticationId"] = context.sent["authenticationId"]


@given(r'\(config_var:"max_try"-1\) calls with the request body property "\$\.code" set to a '
       r'value distinct from the value received in the SMS were performed')
def step_wrong_tries(context):
    for _ in range(context.config_vars["max_try"] - 1):
        a = validate(context, context.sent["authenticationId"], other_code(context.sent["code"]))
        assert a.json()["code"] == "ONE_TIME_PASSWORD_SMS.INVALID_OTP", a.body


@given(r'the request body property "\$\.authenticationId" is set to an unknown value')
def step_auth_unknown(context):
    context.request_body["authenticationId"] = unknown_authentication_id()


# -- The request and its answer --------------------------------------------------------------

@when(r'the HTTP "(?P<method>[A-Z]+)" request is sent')
def step_send(context, method):
    body = None if context.request_body is None else json.dumps(context.request_body)
    if getattr(context, "raw_body", None) is not None:
        body = context.raw_body
    context.answer = call(context, method, context.resource, dict(context.request_headers), body)


@then(r'the response property "\$\.status" is (?P<status>\d+)')
def step_status(context, status):
    # The HTTP status; an error body's "status" too (a 200 or 204 has none).
    a = context.answer
    assert a.status == int(status), "got %d %s" % (a.status, a.body)
    body = a.json() if a.body else None
    if isinstance(body, dict) and "status" in body:
        assert body["status"] == int(status), a.body


@then(r'the response status code is (?P<status>\d+)')
def step_status_code(context, status):
    assert context.answer.status == int(status), context.answer.body


@then(r'the response property "(?P<path>\$\.[A-Za-z]+)" is "(?P<value>[^"]*)"')
def step_property_is(context, path, value):
    body = context.answer.json()
    assert body.get(path[2:]) == value, "%s is %r: %s" % (path, body.get(path[2:]), body)


@then(r'the response property "\$\.message" contains a user friendly text')
def step_friendly(context):
    message = context.answer.json().get("message")
    # A sentence for a person: words, not a code or a stack trace.
    assert isinstance(message, str) and len(message) >= 10 and " " in message, message
    assert not re.search(r"\b(exception|errc::|std::|Traceback)\b", message), message


@then(r'the response header "(?P<name>[^"]+)" is "(?P<value>[^"]*)"')
def step_header_is(context, name, value):
    assert context.answer.headers.get(name.lower()) == value, context.answer.headers


@then(r'the response header "x-correlator" has same value as the request header "x-correlator"')
def step_correlator_echoed(context):
    sent = context.request_headers.get("x-correlator")
    assert sent, "the request had no x-correlator"
    assert context.answer.headers.get("x-correlator") == sent, context.answer.headers


@then(r'the response body complies with the OAS schema at "(?P<ref>[^"]+)"')
def step_body_schema(context, ref):
    problems = schema_errors(context.spec, context.answer.json(), ref)
    assert not problems, problems
