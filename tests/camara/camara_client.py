# The HTTP side of the CAMARA steps: requests to otpgate, every answer validated against the
# vendored definition, and the codes read from the `file` gateway's outbox.
import http.client
import json
import os
import random
import urllib.parse
import uuid

from camara_support import LOCK_AFTER, MAX_TRY, MESSAGE, fresh_mobile, response_problems


def unknown_authentication_id():
    """36 characters of an id's alphabet (lower-case base32) that no send-code answered."""
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(36))


SEND_CODE = "/one-time-password-sms/v1/send-code"
VALIDATE_CODE = "/one-time-password-sms/v1/validate-code"


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None


def call(context, method, resource, headers, body):
    """One HTTP request to otpgate; body None sends none, bytes/str as they are."""
    url = urllib.parse.urlparse(context.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    data = body.encode() if isinstance(body, str) else body
    conn.request(method, resource, body=data, headers=headers)
    r = conn.getresponse()
    answer = Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode())
    conn.close()
    problems = response_problems(context.spec, resource, method, answer.status, answer.headers,
                                 answer.body)
    assert not problems, "answer %d %s breaks the definition: %s" % (
        answer.status, answer.body, problems)
    return answer


def shop_headers(context, key="shop"):
    return {"Content-Type": "application/json", "Authorization": "Bearer " + context.keys[key],
            "x-correlator": str(uuid.uuid4())}


def send_code(context, phone, message=MESSAGE, key="shop"):
    return call(context, "POST", SEND_CODE, shop_headers(context, key),
                json.dumps({"phoneNumber": phone, "message": message}))


def validate(context, authentication_id, code, key="shop"):
    return call(context, "POST", VALIDATE_CODE, shop_headers(context, key),
                json.dumps({"authenticationId": authentication_id, "code": code}))


def outbox_sms(context, authentication_id):
    """The SMS sent for an authenticationId (the newest), or None."""
    found = None
    if os.path.exists(context.outbox):
        with open(context.outbox) as f:
            for line in f:
                if line.strip():
                    sms = json.loads(line)
                    if sms.get("verification_id") == "vf_" + authentication_id:
                        found = sms
    return found


def code_of(context, authentication_id, message=MESSAGE):
    """The code in the SMS for authentication_id: the text with the message around it cut."""
    sms = outbox_sms(context, authentication_id)
    assert sms is not None, "no SMS in the outbox for " + authentication_id
    head, tail = message.split("{{code}}", 1)
    text = sms["text"]
    assert text.startswith(head) and text.endswith(tail), "SMS text is not the message: " + text
    return text[len(head):len(text) - len(tail)]


def sent_code(context, phone=None):
    """send-code for phone (a fresh one by default): (authenticationId, code from the SMS)."""
    a = send_code(context, phone or fresh_mobile())
    assert a.status == 200, "send-code answered %d %s" % (a.status, a.body)
    auth = a.json()["authenticationId"]
    return auth, code_of(context, auth)


def other_code(code):
    return "%06d" % ((int(code) + 1) % 10 ** 6)


def set_property(body, path, value):
    assert path.startswith("$."), path
    body[path[2:]] = value



def use_sent(context, auth, code):
    context.sent = {"authenticationId": auth, "code": code}
    context.request_body["authenticationId"] = auth




def lock_phone(context, phone):
    """Locks phone for the brand as wrong codes do: two send-codes, every attempt wrong. The
    authenticationId and code of the last one."""
    for _ in range(LOCK_AFTER // MAX_TRY):
        auth, code = sent_code(context, phone)
        for _ in range(MAX_TRY):
            validate(context, auth, other_code(code))
    return auth, code
