"""`make cluster`: HAProxy on :8000 in front of two Daphne nodes (:8001, :8002), two
Celery workers and one beat, on PostgreSQL and Redis, in the foreground; one Ctrl-C
stops them all (honcho).

PostgreSQL: DATABASE_URL (environment, then .env), else the local server on
127.0.0.1:5432 when one answers (database `smilepay`, created when missing). SQLite
is refused: several processes writing one file at once is what this is not for.
"""

import os
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ops import cluster  # noqa: E402

STATE = ROOT / ".state"
BIN = Path(sys.executable).parent
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/smilepay"


def fail(message: str):
    print(f"ERROR: {message}", file=sys.stderr)
    sys.exit(1)


def _dsn(url: str, database: str | None = None) -> str:
    parts = urlsplit(url)
    path = f"/{database}" if database else parts.path
    return urlunsplit(("postgresql", parts.netloc, path, parts.query, ""))


def database_url() -> str:
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if url and not url.startswith(("postgres://", "postgresql://")):
        fail(
            f"make cluster needs PostgreSQL, and DATABASE_URL is {url}.\n"
            "  SQLite is one file that one process writes at a time; several web\n"
            "  nodes and workers need a database server. Set DATABASE_URL to\n"
            "  postgres://USER@HOST:5432/DBNAME, or unset it to use a local server."
        )
    if not url:
        url = LOCAL_POSTGRES
        try:
            with psycopg.connect(
                _dsn(url, "postgres"), autocommit=True, connect_timeout=2
            ) as conn:
                name = urlsplit(url).path.lstrip("/")
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone()
                if not exists:
                    conn.execute(f'CREATE DATABASE "{name}"')
                    print(f"Created the database {name}.")
        except psycopg.Error as exc:
            fail(
                "make cluster needs PostgreSQL: DATABASE_URL is not set and no server\n"
                f"  answers on 127.0.0.1:5432 ({str(exc).strip()}).\n"
                "  Install one (apt-get install postgresql) or set DATABASE_URL."
            )
    try:
        psycopg.connect(_dsn(url), connect_timeout=3).close()
    except psycopg.Error as exc:
        fail(f"PostgreSQL at {url} does not answer: {str(exc).strip()}")
    return url


def main():
    environ.Env.read_env(ROOT / ".env", overwrite=False)
    subprocess.run([ROOT / "scripts" / "ensure-haproxy.sh"], check=True)
    url = database_url()
    env = {**os.environ, "DATABASE_URL": url}
    print(f"Database: {url}")
    manage = [str(BIN / "python"), "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True)

    STATE.mkdir(exist_ok=True)
    procfile = STATE / "Procfile.cluster"
    haproxy_cfg = STATE / "haproxy.cfg"
    stats_port = int(os.environ.get("CLUSTER_STATS_PORT", "8404"))
    haproxy_cfg.write_text(
        cluster.haproxy_config(
            port=cluster.PROXY_PORT, web_ports=cluster.WEB_PORTS, stats_port=stats_port
        )
    )
    procs = cluster.commands(
        bin_dir=BIN,
        haproxy_cfg=haproxy_cfg,
        concurrency=int(os.environ.get("CLUSTER_WORKER_CONCURRENCY", "1")),
        beat_schedule=STATE / "celerybeat-schedule-cluster",
    )
    lines = []
    redis_answers = (
        subprocess.run(
            [BIN / "python", ROOT / "scripts" / "redis_ping.py"], env=env
        ).returncode
        == 0
    )
    if not redis_answers:
        redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        if not redis_url.startswith(
            ("redis://127.0.0.1:6379", "redis://localhost:6379")
        ):
            fail(f"no Redis answers at {redis_url} (REDIS_URL).")
        print("No Redis answering: starting one for this session.")
        lines.append(
            "redis: redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no"
        )
    for name, argv in procs.items():
        extra = cluster.WEB_ENV if name.startswith("web") else cluster.ENV
        if name == "proxy":
            extra = {}
        assignments = " ".join(f"{key}={value}" for key, value in extra.items())
        prefix = f"env {assignments} " if assignments else ""
        lines.append(f"{name}: {prefix}{shlex.join(argv)}")
    procfile.write_text("\n".join(lines) + "\n")
    # honcho reads .env over the environment: this file, last, has the database.
    cluster_env = STATE / "cluster.env"
    cluster_env.write_text(f"DATABASE_URL={url}\n")
    print(
        f"SmilePay on http://127.0.0.1:{cluster.PROXY_PORT} (nodes on "
        f"{', '.join(map(str, cluster.WEB_PORTS))}; HAProxy's node states on "
        f"http://127.0.0.1:{stats_port}/) — Ctrl-C stops everything."
    )
    env_files = (
        ".env,.state/cluster.env" if (ROOT / ".env").exists() else ".state/cluster.env"
    )
    os.chdir(ROOT)
    os.execve(
        BIN / "honcho",
        [
            str(BIN / "honcho"),
            "--no-colour",
            "-e",
            env_files,
            "-f",
            str(procfile),
            "-d",
            str(ROOT),
            "start",
        ],
        env,
    )


if __name__ == "__main__":
    main()
