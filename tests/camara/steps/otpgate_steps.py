# Steps of otpgate's own scenarios (tests/camara/otpgate_extras.feature), beside the r3.2 ones.
import json
import os
import re
import secrets
import sys
import threading
import urllib.parse

from behave import given, then, use_step_matcher

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from camara_client import (SEND_CODE, VALIDATE_CODE, call, code_of, other_code,  # noqa: E402
                           lock_phone, outbox_sms, send_code, shop_headers,
                           validate)
from camara_support import fresh_mobile  # noqa: E402

use_step_matcher("re")


@then(r'the SMS sent is the message with one code in place of every \{\{code\}\}')
def step_sms_text(context):
    auth = context.answer.json()["authenticationId"]
    sms = outbox_sms(context, auth)
    assert sms is not None, "no SMS for " + auth
    message = context.request_body["message"]
    head = message.split("{{code}}")[0]
    code = sms["text"][len(head):len(head) + 6]
    assert re.fullmatch(r"[0-9]{6}", code), sms["text"]
    assert sms["text"] == message.replace("{{code}}", code), sms["text"]
    assert sms["to"] == context.request_body["phoneNumber"]


@then(r'the response header "(?P<name>[^"]+)" is not empty')
def step_header_not_empty(context, name):
    assert context.answer.headers.get(name.lower()), context.answer.headers


@then(r"the response header \"x-correlator\" is not the request's")
def step_correlator_replaced(context):
    got = context.answer.headers.get("x-correlator")
    assert got and got != context.request_headers.get("x-correlator"), got


@given(r'the header "x-correlator" is set to 257 characters')
def step_long_correlator(context):
    context.request_headers["x-correlator"] = "a" * 257


@then(r'the response property "\$\.message" mentions "(?P<text>[^"]+)"')
def step_message_mentions(context, text):
    message = context.answer.json()["message"]
    assert text in message, message


@given(r'the raw request body (?P<text>.+)')
def step_raw_body(context, text):
    context.raw_body = text.strip()


@given(r'the header "Authorization" is set to the key "(?P<name>[a-z0-9_]+)"')
def step_key(context, name):
    context.request_headers["Authorization"] = "Bearer " + context.keys[name]


@then(r"no SMS was sent to the request's phone number")
def step_no_sms(context):
    phone = context.request_body["phoneNumber"]
    if os.path.exists(context.outbox):
        with open(context.outbox) as f:
            assert not any(line.strip() and json.loads(line).get("to") == phone for line in f)


@given(r'one more call with a code distinct from the value received in the SMS answered '
       r'"(?P<code>[^"]+)"')
def step_one_more_wrong(context, code):
    a = validate(context, context.sent["authenticationId"], other_code(context.sent["code"]))
    assert a.json()["code"] == code, a.body


@given(r'the phone number of a send-code was locked by wrong codes')
def step_locked(context):
    auth, code = lock_phone(context, fresh_mobile())
    context.request_body = {"authenticationId": auth, "code": code}


@then(r'the response header "Retry-After" is a number of seconds')
def step_retry_after(context):
    value = context.answer.headers.get("retry-after", "")
    assert value.isdigit() and int(value) >= 1, value


@given(r'the request body property "\$\.authenticationId" is set to the id of another brand\'s '
       r'send-code')
def step_other_brands_id(context):
    a = send_code(context, fresh_mobile(), key="other_shop")
    assert a.status == 200, a.body
    context.request_body["authenticationId"] = a.json()["authenticationId"]
    context.request_body["code"] = code_of(context, a.json()["authenticationId"])


@given(r'the request body property "\$\.authenticationId" is set to 37 characters')
def step_long_id(context):
    context.request_body["authenticationId"] = "a" * 37


@given(r'two send-code requests for the same phone number were sent at once')
def step_race(context):
    phone = fresh_mobile()
    answers = [None, None]
    go = threading.Event()

    def one(i):
        go.wait()
        answers[i] = send_code(context, phone)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join()
    assert all(a.status == 200 for a in answers), [a.body for a in answers]
    context.race = [(a.json()["authenticationId"],) for a in answers]
    context.race = [(auth, code_of(context, auth)) for (auth,) in context.race]


@then(r'exactly one of their codes validates and the other answers "(?P<code>[^"]+)"')
def step_race_outcome(context, code):
    results = [validate(context, auth, c) for auth, c in context.race]
    statuses = sorted(a.status for a in results)
    assert statuses == [204, 400], [(a.status, a.body) for a in results]
    refused = [a for a in results if a.status == 400][0]
    assert refused.json()["code"] == code, refused.body


def native(context, method, path, body):
    """A native API call (not validated against the CAMARA definition)."""
    import http.client
    url = urllib.parse.urlparse(context.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request(method, path, body=json.dumps(body), headers=shop_headers(context))
    r = conn.getresponse()
    out = (r.status, json.loads(r.read().decode() or "null"))
    conn.close()
    return out


@given(r"a native verification was started for the request's phone number")
def step_native_started(context):
    status, body = native(context, "POST", "/v1/verifications",
                          {"phone_number": context.request_body["phoneNumber"]})
    assert status == 201, body
    sms = None
    with open(context.outbox) as f:
        for line in f:
            if line.strip() and json.loads(line).get("verification_id") == body["id"]:
                sms = json.loads(line)
    assert sms is not None
    context.native = (body["id"], re.search(r"[0-9]{6}", sms["text"]).group(0))


@then(r'the native verification still accepts its code')
def step_native_accepts(context):
    vid, code = context.native
    status, body = native(context, "POST", "/v1/verifications/%s/check" % vid, {"code": code})
    assert status == 200 and body["status"] == "approved", (status, body)


@given(r"hostile send-code and validate-code requests for the request's phone number were "
       r"refused")
def step_hostile(context):
    phone = context.request_body["phoneNumber"]
    headers = shop_headers(context)
    bodies = [
        None, "", "{", "[]", "null", '{"phoneNumber": "%s"}' % phone,
        json.dumps({"phoneNumber": phone, "message": "no label"}),
        json.dumps({"phoneNumber": phone, "message": "{{code}}" + "x" * 200}),
        json.dumps({"phoneNumber": phone, "message": "{{code}}", "x": 1}),
        json.dumps({"phoneNumber": [phone], "message": "{{code}}"}),
        json.dumps({"phoneNumber": phone + "0" * 20, "message": "{{code}}"}),
        '{"phoneNumber": "%s", "message": "{{code}}\\u0000"' % phone,
    ]
    for body in bodies:
        a = call(context, "POST", SEND_CODE, headers, body)
        assert a.status == 400, (body, a.status, a.body)
    bad_correlator = dict(headers, **{"x-correlator": "bad value"})
    a = call(context, "POST", SEND_CODE, bad_correlator,
             json.dumps({"phoneNumber": phone, "message": "{{code}}"}))
    assert a.status == 400, a.body
    for auth in ["", "../../etc", "vf_" + "a" * 33, "*", "a" * 36, secrets.token_hex(18)]:
        a = validate(context, auth, "123456")
        assert a.status == 404, (auth, a.status, a.body)
    a = call(context, "POST", VALIDATE_CODE, headers, '{"authenticationId": 1, "code": 2}')
    assert a.status == 400, a.body
    assert outbox_sms_to(context, phone) == 0


def outbox_sms_to(context, phone):
    if not os.path.exists(context.outbox):
        return 0
    with open(context.outbox) as f:
        return sum(1 for line in f if line.strip() and json.loads(line).get("to") == phone)


@then(r'the code of that SMS validates')
def step_that_code_validates(context):
    auth = context.answer.json()["authenticationId"]
    a = validate(context, auth, code_of(context, auth))
    assert a.status == 204, a.body


@then(r'the phone number admits one more send-code and then answers "(?P<code>[^"]+)"')
def step_limit_left(context, code):
    phone = context.request_body["phoneNumber"]
    assert send_code(context, phone).status == 200
    a = send_code(context, phone)
    assert a.status == 403 and a.json()["code"] == code, a.body


@then(r"otpgate's log holds no message text and no phone number this run sent to")
def step_log_hygiene(context):
    with open(context.log_path) as f:
        log = f.read()
    assert "zebra-quartz" not in log and "Cool App" not in log
    phones = set()
    with open(context.outbox) as f:
        phones = {json.loads(line)["to"] for line in f if line.strip()}
    assert phones, "nothing was sent"
    leaked = [p for p in phones if p in log]
    assert not leaked, "unmasked numbers in the log: %d" % len(leaked)
    assert "*****" in log  # the masked form is there: the log was written
