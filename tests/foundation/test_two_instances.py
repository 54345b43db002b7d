"""Two machines: two gunicorn instances on one PostgreSQL database and one S3-compatible storage.

The portal is started twice as it runs in production (gunicorn, DEBUG off, the same SECRET_KEY,
each instance with its own VAR_DIR and MEDIA_ROOT, as on separate machines), on a copy of the test
database and against one object storage (moto's S3 server, in this process). A browser-like client
(plain HTTP, one cookie jar, the CSRF token from the forms, as behind a load balancer) then shows
that nothing depends on which instance answers:

- a session signed in on A is valid on B;
- case evidence uploaded on A downloads on B with the same bytes (and lies in the bucket, not on
  either instance's disk);
- a KPI import previewed on A is confirmed on B, and B's message is shown by A.

Run it alone: `bash scripts/test.sh tests/foundation/test_two_instances.py -n 0` (PostgreSQL needed).
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = settings.DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
BUCKET = "portal-uploads"
S3_KEYS = {"S3_ACCESS_KEY_ID": "twin-test-key", "S3_SECRET_ACCESS_KEY": "twin-test-secret", "S3_REGION": "us-east-1"}
START_TIMEOUT = 45  # seconds for an instance to answer /healthz
REQUEST_TIMEOUT = 20

pytestmark = [
    pytest.mark.postgres,
    # Outside a transaction: the test database is copied, which needs it without open connections.
    # No available app: this process writes nothing there, so nothing is flushed afterwards.
    pytest.mark.django_db(transaction=True, available_apps=[]),
    pytest.mark.skipif(not POSTGRES, reason="the instances share a PostgreSQL database"),
]

# Run by the instances' settings in the copied database: a host manager, a partner with KPIs, a case.
SETUP = """
import json
import django

django.setup()
from kpis import standard
from partnerportal import policy
from relations.models import Case
from tests.factories import PASSWORD, HostFactory, OrganizationFactory, UserFactory
from tests.kpis.helpers import setup_partner

standard.restore()  # the copied test database may have been flushed by a transactional test
host = HostFactory()
partner = OrganizationFactory(name="Twin Logistik A/S")
manager = UserFactory(username="twin_manager", organization=host, role=policy.MANAGER)
setup_partner(partner)
case = Case.objects.create(
    partner=partner, side="host", title="Crushed pallets", what_happened="Two arrived crushed.", raised_by=manager
)
print(json.dumps({"case": case.pk, "partner": partner.pk, "username": manager.username, "password": PASSWORD}))
"""


# --- the database: a copy of the migrated test database ----------------------------------------


def _admin_connection():
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def _database_url(name: str) -> str:
    db = connection.settings_dict
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def twin_name() -> str:
    return f"{connection.settings_dict['NAME']}_twin"[:63]


def make_twin(*, terminate_others=False) -> str:
    """Copy the migrated test database for the two instances. tests/conftest.py makes the copy right
    after the test database is created (when this test is collected), before a live server or another
    test holds a connection to it; a template may have no other connection while it is copied."""
    from psycopg import errors, sql

    template, name = connection.settings_dict["NAME"], twin_name()
    connections.close_all()
    with _admin_connection() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        for attempt in range(20):
            if terminate_others:  # only when the early copy is missing (e.g. a -k run): nothing else runs yet
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    [template],
                )
            try:
                admin.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
                )
                break
            except errors.ObjectInUse:
                if attempt == 19:
                    raise
                time.sleep(0.5)
    return name


def _exists(name: str) -> bool:
    with _admin_connection() as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


@pytest.fixture
def shared_database(django_db_setup, django_db_blocker):
    """A database of its own (per xdist worker), copied from the migrated test database (migrating a
    new one would take longer than the rest of the test); dropped at the end of the session."""
    with django_db_blocker.unblock():
        name = twin_name()
        if not _exists(name):
            make_twin(terminate_others=True)
    yield _database_url(name)


def drop_twin() -> None:
    from psycopg import sql

    with _admin_connection() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(twin_name())))


# --- the object storage: moto's S3 server --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def object_storage():
    """An S3 endpoint with an empty private bucket; yields (endpoint URL, boto3 client)."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{server._port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=S3_KEYS["S3_REGION"],
            aws_access_key_id=S3_KEYS["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["S3_SECRET_ACCESS_KEY"],
        )
        client.create_bucket(Bucket=BUCKET)
        yield endpoint, client
    finally:
        server.stop()


# --- the instances -------------------------------------------------------------------------------


class Instance:
    def __init__(self, name: str, env: dict, tmp: Path):
        self.name = name
        self.env = env
        self.log = tmp / f"{name}.log"
        self.media = Path(env["MEDIA_ROOT"])
        self.start()

    def start(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "partnerportal.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            "--workers=1",
            "--threads=2",
            "--timeout=60",
            "--graceful-timeout=3",
            "--access-logfile=-",
            "--error-logfile=-",
            "--no-control-socket",  # gunicorn's default socket path would be shared by both instances
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- instance {self.name} ({self.url}), exit {self.process.poll()} ---\n{text[-6000:]}"

    def wait_until_healthy(self, deadline: float) -> None:
        last = "no answer"
        retries = 2
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                # Another process took the free port between the probe and gunicorn's bind.
                if retries and "Address already in use" in self.log.read_text(errors="replace"):
                    retries -= 1
                    self.start()
                    continue
                break
            try:
                response = requests.get(f"{self.url}/healthz", timeout=2)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:200]}"
            except requests.RequestException as exc:
                last = repr(exc)
            time.sleep(0.3)
        raise AssertionError(f"instance {self.name} did not become healthy ({last})\n{self.output()}")

    def signal(self, number) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, number)  # gunicorn's arbiter and its worker


def _stop(instances) -> None:
    """Quick shutdown (SIGQUIT) of all at once; SIGKILL for what is still running after 10 s."""
    for instance in instances:
        instance.signal(signal.SIGQUIT)
    deadline = time.monotonic() + 10
    for instance in instances:
        try:
            instance.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            instance.signal(signal.SIGKILL)
            instance.process.wait(timeout=10)


def _instance_env(tmp: Path, name: str, database_url: str, endpoint: str, secret_key: str) -> dict:
    var_dir = tmp / name
    (var_dir / "staticfiles").mkdir(parents=True)  # served from STATICFILES_DIRS; this only quiets WhiteNoise
    env = {
        # Only what a machine of the portal is given: nothing of the test's own environment leaks in.
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HTTPS": "0",  # plain HTTP on the loopback (a TLS proxy would sit in front)
        "MANIFEST_STATIC": "0",  # no collectstatic in the test
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "CELERY_BROKER_URL": "filesystem://",  # no worker here; queued tasks stay in VAR_DIR
        "LOG_LEVEL": "WARNING",
        "MFA_REQUIRED_FOR_HOST_STAFF": "0",  # the host manager signs in with a password alone here
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        **S3_KEYS,
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]  # the same cache for both
    return env


@pytest.fixture
def cluster(shared_database, object_storage, tmp_path):
    """Instances A and B, healthy, and the setup data; stopped (and their logs kept) at teardown."""
    endpoint, client = object_storage
    secret_key = secrets.token_urlsafe(50)
    env_a = _instance_env(tmp_path, "a", shared_database, endpoint, secret_key)
    env_b = _instance_env(tmp_path, "b", shared_database, endpoint, secret_key)
    instances = []
    try:
        instances = [Instance("a", env_a, tmp_path), Instance("b", env_b, tmp_path)]
        # The data is written while the instances boot (they need none of it to start).
        setup = subprocess.run(
            [sys.executable, "-c", SETUP], cwd=ROOT, env=env_a, capture_output=True, text=True, timeout=120
        )
        assert setup.returncode == 0, f"setup failed:\n{setup.stdout}\n{setup.stderr}"
        data = json.loads(setup.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + START_TIMEOUT
        for instance in instances:
            instance.wait_until_healthy(deadline)
        yield instances, client, data
    finally:
        _stop(instances)


# --- the walk across the two instances -----------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf(response) -> str:
    match = CSRF.search(response.text)
    assert match, f"no CSRF token on {response.url} ({response.status_code})"
    return match.group(1)


def _bucket_keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def _files_on_disk(instance) -> list[str]:
    return sorted(str(p.relative_to(instance.media)) for p in instance.media.rglob("*") if p.is_file())


def test_session_upload_import_preview_and_download_work_across_two_instances(cluster):
    (a, b), bucket, data = cluster
    browser = requests.Session()  # one cookie jar for both, as behind a load balancer on one host name
    browser.headers["Connection"] = "close"  # no idle keep-alive connection holds up the shutdown

    def get(instance, path, **kwargs):
        return browser.get(instance.url + path, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs)

    def post(instance, path, form_page, **kwargs):
        kwargs.setdefault("data", {})["csrfmiddlewaretoken"] = _csrf(form_page)
        return browser.post(instance.url + path, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs)

    try:
        # Not signed in: B refuses, so what follows is the session's doing.
        assert get(b, "/api/me/").status_code in (401, 403)

        # 1. A session signed in on A is valid on B.
        login_page = get(a, "/accounts/login/")
        assert login_page.status_code == 200
        signed_in = post(
            a, "/accounts/login/", login_page, data={"username": data["username"], "password": data["password"]}
        )
        assert signed_in.status_code == 302, signed_in.text[:500]
        me = get(b, "/api/me/")
        assert me.status_code == 200 and me.json()["username"] == data["username"]

        # 2. Case evidence uploaded on A downloads on B, byte for byte, from the shared bucket.
        case_path = f"/relations/cases/{data['case']}/"
        evidence = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(150_000)
        uploaded = post(
            a,
            f"{case_path}files/",
            get(a, case_path),
            files={"file": ("crushed-pallets.png", evidence, "image/png")},
        )
        assert uploaded.status_code == 302, uploaded.text[:500]
        case_page_b = get(b, case_path)
        links = re.findall(r'href="(/relations/files/case/\d+/)"', case_page_b.text)
        assert len(links) == 1, "B does not list the file uploaded on A"
        download = get(b, links[0])
        assert download.status_code == 200
        assert download.content == evidence
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["Cache-Control"] == "private, no-store"
        keys = _bucket_keys(bucket)
        assert [k for k in keys if k.startswith(f"private/relations/cases/{data['case']}/")], keys
        acl = bucket.get_object_acl(Bucket=BUCKET, Key=keys[0])
        assert not [g for g in acl["Grants"] if g["Grantee"].get("Type") == "Group"], "an upload is not private"

        # 3. A KPI import previewed on A is confirmed on B; A shows B's message.
        import_page = get(a, "/kpis/import/")
        csv = f"partner,kpi,period_start,numerator,denominator\n{data['partner']},error-rate,2025-03-03,1,100\n"
        preview = post(a, "/kpis/import/", import_page, files={"file": ("errors.csv", csv.encode(), "text/csv")})
        assert preview.status_code == 200
        token = re.search(r'name="token" value="([0-9a-f]{32})"', preview.text)
        assert token, f"no preview token: {preview.text[:1000]}"
        assert f"kpi-imports/{token.group(1)}" in _bucket_keys(bucket)
        confirmed = post(b, "/kpis/import/", preview, data={"confirm": "1", "token": token.group(1)})
        assert confirmed.status_code == 302, confirmed.text[:1000]
        assert not confirmed.headers["Location"].endswith("/kpis/import/"), "B did not import the preview"
        done = get(a, confirmed.headers["Location"])
        assert done.status_code == 200
        assert "Import done: 1 created" in done.text
        assert not [k for k in _bucket_keys(bucket) if k.startswith("kpi-imports/")], "the used preview is left"

        # Nothing of it is on either instance's own disk.
        assert _files_on_disk(a) == [] and _files_on_disk(b) == []
    except Exception as exc:  # any failure (an assertion, a refused connection) with both instances' logs
        raise AssertionError(f"{exc!r}\n" + "\n".join(i.output() for i in (a, b))) from exc
