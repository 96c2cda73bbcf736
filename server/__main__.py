"""python -m server --database-url URL --host 127.0.0.1 --port 8765 --admin-token TOKEN

Environment: INTAKE_DATABASE_URL, INTAKE_ADMIN_TOKEN, INTAKE_LISTEN (host:port)."""
from __future__ import annotations

import argparse
import logging
import os
import sys


def main(argv: list[str] | None = None) -> int:
    listen = os.environ.get("INTAKE_LISTEN", "127.0.0.1:8765")
    host, _, port = listen.rpartition(":")
    ap = argparse.ArgumentParser(prog="python -m server", description="County server, sync protocol v1")
    ap.add_argument("--database-url", default=os.environ.get("INTAKE_DATABASE_URL"),
                    help="PostgreSQL URL (env INTAKE_DATABASE_URL)")
    ap.add_argument("--host", default=host or "127.0.0.1", help="listen address (env INTAKE_LISTEN host:port)")
    ap.add_argument("--port", type=int, default=int(port or 8765))
    ap.add_argument("--admin-token", default=os.environ.get("INTAKE_ADMIN_TOKEN"),
                    help="administrator token (env INTAKE_ADMIN_TOKEN); without it administration is off")
    ap.add_argument("--token-ttl-days", type=int, default=365)
    ap.add_argument("--workers-pool", type=int, default=16, help="database connections at most")
    ap.add_argument("--migrate-only", action="store_true", help="apply migrations and exit")
    ap.add_argument("--access-log", action="store_true")
    ap.add_argument("--log-level", default="info")
    args = ap.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.database_url:
        print("error: no database: give --database-url or set INTAKE_DATABASE_URL", file=sys.stderr)
        return 2
    from .db import migrate
    try:
        applied = migrate(args.database_url)
    except Exception as exc:  # unreachable database, newer schema
        print(f"error: cannot prepare the database: {exc}", file=sys.stderr)
        return 1
    for name in applied:
        logging.getLogger("server").info("migration applied: %s", name)
    if args.migrate_only:
        return 0
    if not args.admin_token:
        logging.getLogger("server").warning("no admin token: administration endpoints are disabled")
    import uvicorn

    from .app import create_app
    from .settings import Settings

    settings = Settings(database_url=args.database_url, admin_token=args.admin_token,
                        token_ttl_days=args.token_ttl_days, pool_max=args.workers_pool, migrate=False)
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, access_log=args.access_log,
                log_level=args.log_level.lower(), timeout_graceful_shutdown=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
