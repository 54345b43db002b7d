"""The deployment files (docker-compose.yml, Dockerfile, Procfile, .env.example) and the
production settings agree with each other. No database needed: files are parsed, and the two
settings checks run Django in a subprocess with a minimal, explicit environment."""

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / "partnerportal" / "settings.py").read_text(encoding="utf-8")

APP_SERVICES = ("migrate", "web", "worker", "beat")
# Read by the settings but deliberately left out of .env.example (test-only knobs).
UNDOCUMENTED_SETTINGS_VARS = {"CELERY_TASK_ALWAYS_EAGER", "MANIFEST_STATIC"}


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _command(service):
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _environment(service):
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return environment


def _healthcheck_test(service):
    test = service.get("healthcheck", {}).get("test", "")
    return " ".join(test) if isinstance(test, list) else test


def _named_volume_targets(service):
    """{volume name: mount path} for the service's short-syntax named-volume mounts."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            mounts[volume.get("source")] = volume.get("target")
        else:
            source, target = volume.split(":")[:2]
            mounts[source] = target
    return mounts


def _procfile():
    entries = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if match:
            entries[match.group(1)] = match.group(2).strip()
    return entries


def _env_example_names():
    names = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.append(match.group(1))
    return names


def _settings_env_names():
    """Variable names passed to an environ reader (env.str("X", ...), env.db("X"), ...)."""
    return set(
        re.findall(
            r"\.(?:str|bool|int|float|list|tuple|dict|json|url|path|db|email_url)\(\s*\"([A-Z][A-Z0-9_]*)\"",
            SETTINGS_SOURCE,
        )
    )


def _local_apps():
    """Top-level packages of INSTALLED_APPS that live in this repository."""
    tree = ast.parse(SETTINGS_SOURCE)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "INSTALLED_APPS" for t in node.targets):
            apps = ast.literal_eval(node.value)
            return sorted({app.split(".")[0] for app in apps if (ROOT / app.split(".")[0]).is_dir()})
    raise AssertionError("INSTALLED_APPS not found in partnerportal/settings.py")


def _run_django(args, **env):
    """Run Python in the repo with only PATH, HOME and `env`, so the outer test environment
    (DATABASE_URL, DJANGO_SETTINGS_MODULE, ...) does not leak in."""
    base = {"PATH": os.environ.get("PATH", os.defpath), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def _dotenv_sets(name):
    """Whether a developer's local .env (read by the settings) sets `name`."""
    dotenv = ROOT / ".env"
    if not dotenv.exists():
        return False
    return any(re.match(rf"^\s*(export\s+)?{name}\s*=", line) for line in dotenv.read_text().splitlines())


# --- docker-compose.yml ----------------------------------------------------------------------


def test_compose_declares_the_full_stack(compose):
    assert {"postgres", "redis", "proxy", *APP_SERVICES} <= set(compose["services"])


def test_compose_healthchecks(compose):
    services = compose["services"]
    assert "pg_isready" in _healthcheck_test(services["postgres"])
    redis_check = _healthcheck_test(services["redis"])
    assert "redis-cli" in redis_check and "ping" in redis_check
    assert "/healthz" in _healthcheck_test(services["web"])


def test_compose_migrates_once_then_serves_with_gunicorn(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert _command(migrate).strip() == "python manage.py migrate --noinput"
    assert str(migrate["restart"]) == "no"  # a one-off: it runs, succeeds and stays stopped
    command = _command(services["web"])
    assert "migrate" not in command  # scaled replicas would race each other
    assert "gunicorn partnerportal.wsgi" in command
    assert "-c python:partnerportal.gunicorn_conf" in command
    assert "0.0.0.0:8000" in command
    # Everything that needs the schema waits for the migrations to have finished.
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name


def test_compose_web_and_worker_scale(compose):
    """`docker compose up --scale web=3 --scale worker=2`: no fixed host port, container name or
    host-port mapping on a scaled service; the proxy publishes the portal's one port."""
    services = compose["services"]
    for name in ("web", "worker"):
        service = services[name]
        assert not service.get("ports"), f"{name} publishes a host port: it cannot be scaled"
        assert "container_name" not in service, name
        assert "deploy" not in service or "replicas" not in service["deploy"], name
    assert [str(port) for port in services["web"]["expose"]] == ["8000"]
    proxy = services["proxy"]
    assert any(str(port).endswith(":80") and "8000" in str(port) for port in proxy["ports"])
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in proxy["volumes"]}
    config = mounts["/etc/nginx/conf.d/default.conf"]
    assert (ROOT / config).is_file()


def test_the_proxy_balances_over_every_web_replica_and_keeps_metrics_inside():
    config = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"resolver\s+127\.0\.0\.11\b", config)  # Docker's DNS: one address per replica
    assert re.search(r"server\s+web:8000\s+resolve\b", config)  # asked again when replicas change
    assert "proxy_pass http://portal_web;" in config
    assert re.search(r"location = /metrics\s*\{\s*return 404;", config)
    assert "proxy_set_header X-Request-ID $request_id;" in config
    assert "proxy_set_header Host $http_host;" in config
    # The body limit is above the portal's own (DATA_UPLOAD_MAX_MEMORY_SIZE), so the portal answers.
    limit = int(re.search(r"client_max_body_size\s+(\d+)m;", config).group(1))
    assert limit * 1024 * 1024 > 10 * 1024 * 1024


def test_compose_metrics_and_logs(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        environment = _environment(services[name])
        assert environment["METRICS_ENABLED"] == "${METRICS_ENABLED:-0}", name  # off unless asked for
        assert environment["METRICS_TOKEN"] == "${METRICS_TOKEN:-}", name  # from .env, never from here
        assert environment["LOG_FORMAT"].startswith("${LOG_FORMAT:-"), name
        # Each container's processes add up their counters in a directory that is empty at start.
        multiproc = environment["PROMETHEUS_MULTIPROC_DIR"]
        assert multiproc in services[name]["tmpfs"], name
    port = _environment(services["worker"])["METRICS_WORKER_PORT"]
    assert re.fullmatch(r"\$\{METRICS_WORKER_PORT:-(\d+)\}", port)
    assert [str(p) for p in services["worker"]["expose"]] == [port.split(":-")[1].rstrip("}")]
    assert "ports" not in services["worker"]


def test_compose_prometheus_is_optional_and_scrapes_every_replica(compose):
    prometheus = compose["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    assert all(str(port).startswith("127.0.0.1:") for port in prometheus["ports"])
    assert prometheus["secrets"] == ["metrics_token"]
    assert compose["secrets"]["metrics_token"] == {"environment": "METRICS_TOKEN"}
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    web = jobs["portal-web"]
    assert web["metrics_path"] == "/metrics"
    assert web["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    assert web["dns_sd_configs"][0]["names"] == ["web"] and web["dns_sd_configs"][0]["port"] == 8000
    worker = jobs["portal-worker"]
    assert worker["dns_sd_configs"][0]["names"] == ["worker"]
    assert str(worker["dns_sd_configs"][0]["port"]) == _environment(compose["services"]["worker"])[
        "METRICS_WORKER_PORT"
    ].split(":-")[1].rstrip("}")


@pytest.mark.parametrize("name", ["migrate", "web"])
def test_compose_waits_for_healthy_postgres_and_redis(compose, name):
    depends_on = compose["services"][name]["depends_on"]
    assert isinstance(depends_on, dict), "depends_on needs conditions, not a plain list"
    for dependency in ("postgres", "redis"):
        assert depends_on[dependency]["condition"] == "service_healthy"


@pytest.mark.parametrize("role", ["worker", "beat"])
def test_compose_celery_services(compose, role):
    service = compose["services"][role]
    assert re.search(rf"\bcelery\s+-A\s+partnerportal\s+{role}\b", _command(service))
    assert "build" in service or "image" in service


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_services_get_configuration(compose, name):
    environment = _environment(compose["services"][name])
    for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        assert environment.get(variable), f"{name} lacks {variable}"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:")
    # The key comes from .env or the shell, never from this file.
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert str(environment.get("DEBUG")).lower() in {"0", "false", "off", "no"}


def test_compose_volumes(compose):
    declared = set(compose.get("volumes") or {})
    postgres_mounts = _named_volume_targets(compose["services"]["postgres"])
    assert "/var/lib/postgresql/data" in postgres_mounts.values()
    assert set(postgres_mounts) <= declared

    web = compose["services"]["web"]
    web_mounts = _named_volume_targets(web)
    assert set(web_mounts) <= declared
    # Uploads land on a named volume, not in the container's writable layer.
    assert _environment(web)["MEDIA_ROOT"] in web_mounts.values()


# --- Dockerfile ------------------------------------------------------------------------------


def _dockerfile_instructions():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)  # join continuation lines
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_dockerfile_runs_as_non_root_user():
    users = [line.split(None, 1)[1].strip() for line in _dockerfile_instructions() if line.upper().startswith("USER ")]
    assert users, "the Dockerfile has no USER line"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_builds_static_without_persisting_a_secret():
    instructions = _dockerfile_instructions()
    assert instructions[0].startswith("FROM python:3.11-slim")
    assert any(line.startswith("RUN") and "collectstatic --noinput" in line for line in instructions)
    assert not any(re.match(r"^(ENV|ARG)\b.*\bSECRET_KEY\b", line) for line in instructions)
    assert any(line.startswith("EXPOSE") and "8000" in line for line in instructions)
    assert any(line.startswith("CMD") and "gunicorn" in line for line in instructions)


def test_dockerfile_copies_every_local_app():
    copied = set()
    for line in _dockerfile_instructions():
        if line.startswith("COPY") and "--from" not in line:
            *sources, _target = line.split()[1:]
            copied.update(source.rstrip("/").removeprefix("./") for source in sources)
    needed = {*_local_apps(), "manage.py", "templates", "static", "locale"}
    assert needed <= copied, f"not copied into the image: {sorted(needed - copied)}"


# --- Procfile --------------------------------------------------------------------------------


def test_procfile_starts_web_worker_and_beat():
    entries = _procfile()
    assert {"web", "worker", "beat"} <= set(entries)
    assert "manage.py runserver" in entries["web"]
    assert "${PORT" in entries["web"]
    assert re.search(r"\bcelery\s+-A\s+partnerportal\s+worker\b", entries["worker"])
    assert re.search(r"\bcelery\s+-A\s+partnerportal\s+beat\b", entries["beat"])


# --- .env.example ----------------------------------------------------------------------------


def test_env_example_only_names_variables_the_settings_read():
    names = _env_example_names()
    assert names, ".env.example names no variables"
    unread = [name for name in names if f'"{name}"' not in SETTINGS_SOURCE]
    assert not unread, f".env.example documents variables the settings never read: {unread}"


def test_env_example_documents_every_setting_variable():
    missing = _settings_env_names() - set(_env_example_names()) - UNDOCUMENTED_SETTINGS_VARS
    assert not missing, f"read by partnerportal/settings.py but not documented in .env.example: {sorted(missing)}"


def test_env_example_sets_no_secret():
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        assert not re.match(r"^\s*SECRET_KEY\s*=\s*\S", line), "SECRET_KEY must stay commented out in .env.example"


# --- production settings ---------------------------------------------------------------------


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = _run_django(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        ALLOWED_HOSTS="portal.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'check.sqlite3'}",
        VAR_DIR=str(tmp_path / "var"),
        HTTPS="1",
        # Explicit, so that a developer's local .env cannot weaken them.
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output, output


@pytest.mark.parametrize("secret_key", [None, ""], ids=["unset", "empty"])
def test_production_refuses_to_start_without_secret_key(tmp_path, secret_key):
    env = {"DEBUG": "0", "VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    if secret_key is None:
        if _dotenv_sets("SECRET_KEY"):
            pytest.skip("the local .env sets SECRET_KEY, so it cannot be unset here")
    else:
        env["SECRET_KEY"] = secret_key
    result = _run_django(
        [
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'partnerportal.settings'; django.setup()",
        ],
        **env,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr
