# The CAMARA one-time-password-sms scenarios (specs/camara/one-time-password-sms, r3.2) against
# the real otpgate binary: a private redis-server (or the run's, OTPGATE_TEST_REDIS_PORT), and
# otpgate with its own brands, keys and the `file` gateway, whose outbox the steps read the codes
# from. Run by CTest (tests/CMakeLists.txt, label e2e); by hand: docs/camara.md.
#
# Environment: OTPGATE_BINARY (the binary to test; CTest sets it), OTPGATE_TEST_REDIS_PORT
# (optional), OTPGATE_KEEP_TEST_DIRS=1 keeps the temp dir (log, outbox, brands).
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from camara_support import SKIPPED, brand_files, load_spec  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for " + what)


def start_redis(context, workdir):
    port = os.environ.get("OTPGATE_TEST_REDIS_PORT")
    if port:
        return int(port)
    port = free_port()
    context.redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for(answers, 10, "redis-server on port %d" % port)
    return port


def ready(base_url):
    try:
        with urllib.request.urlopen(base_url + "/readyz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def start_otpgate(context, workdir, redis_port):
    binary = context.config.userdata.get("otpgate_binary") or os.environ.get("OTPGATE_BINARY")
    if not binary or not os.path.exists(binary):
        raise RuntimeError("OTPGATE_BINARY is not set or missing: %r" % binary)
    brands_dir = os.path.join(workdir, "brands")
    os.makedirs(brands_dir)
    shutil.copy(os.path.join(REPO, "brands", "schema.json"), brands_dir)
    keys = []
    context.keys = {}
    for brand, (brand_json, key_roles) in brand_files(context.run_id).items():
        os.makedirs(os.path.join(brands_dir, brand))
        with open(os.path.join(brands_dir, brand, "brand.json"), "w") as f:
            json.dump(brand_json, f)
        if brand_json.get("psd2_dynamic_linking"):
            # A PSD2 brand's text must show what is confirmed (the template lint).
            folder = os.path.join(brands_dir, brand, "templates", "en")
            os.makedirs(folder)
            with open(os.path.join(folder, "verification.txt"), "w") as f:
                f.write("{{code}} confirms {{amount}} {{currency}} to {{payee}}.")
        for name, key_brand, role in key_roles:
            key = "camara_" + name + "_" + secrets.token_hex(16)
            context.keys[name] = key
            keys.append({"id": name, "sha256": hashlib.sha256(key.encode()).hexdigest(),
                         "brand": key_brand, "roles": [role]})
    # A key otpgate once had and no longer lists: how an expired credential looks to otpgate,
    # whose API keys carry no expiry (docs/camara.md).
    context.keys["revoked"] = "camara_revoked_" + secrets.token_hex(16)
    with open(os.path.join(workdir, "keys.json"), "w") as f:
        json.dump({"keys": keys}, f)
    port = free_port()
    context.base_url = "http://127.0.0.1:%d" % port
    context.outbox = os.path.join(workdir, "outbox.jsonl")
    env = dict(os.environ)
    env.update({
        "OTPGATE_LISTEN": "127.0.0.1:%d" % port,
        "OTPGATE_REDIS": "127.0.0.1:%d" % redis_port,
        "OTPGATE_SECRET": secrets.token_hex(32),
        "OTPGATE_THREADS": "2",
        "OTPGATE_BRANDS_DIR": brands_dir,
        "OTPGATE_TEMPLATES_DIR": os.path.join(REPO, "templates"),
        "OTPGATE_API_KEYS_FILE": os.path.join(workdir, "keys.json"),
        "OTPGATE_SMS_OUTBOX": context.outbox,
    })
    context.log_path = os.path.join(workdir, "otpgate.log")
    context.otpgate = subprocess.Popen([binary], env=env, stdout=open(context.log_path, "w"),
                                       stderr=subprocess.STDOUT)
    wait_for(lambda: context.otpgate.poll() is not None or ready(context.base_url), 20,
             "otpgate at " + context.base_url)
    if context.otpgate.poll() is not None:
        raise RuntimeError("otpgate exited: " + open(context.log_path).read()[-2000:])


def before_all(context):
    context.spec = load_spec(REPO)
    context.run_id = "%d%s" % (os.getpid() % 100000, secrets.token_hex(2))
    context.workdir = tempfile.mkdtemp(prefix="otpgate-camara-")
    context.redis = None
    context.otpgate = None
    context.redis_port = start_redis(context, context.workdir)
    start_otpgate(context, context.workdir, context.redis_port)


def after_all(context):
    if context.otpgate:
        context.otpgate.terminate()
        try:
            context.otpgate.wait(10)
        except subprocess.TimeoutExpired:
            context.otpgate.kill()
    if context.redis:
        context.redis.terminate()
        context.redis.wait(10)
    if os.environ.get("OTPGATE_KEEP_TEST_DIRS"):
        print("kept " + context.workdir)
    else:
        shutil.rmtree(context.workdir, ignore_errors=True)


def before_scenario(context, scenario):
    for tag in scenario.effective_tags:
        if tag in SKIPPED:
            scenario.skip("not applicable to otpgate: " + SKIPPED[tag])
            return
