"""Exit 0 when the Redis at REDIS_URL (or the .env default) answers a PING."""

import os
import sys
from pathlib import Path

import environ
import redis

environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)
url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
try:
    redis.Redis.from_url(url, socket_connect_timeout=1).ping()
except redis.RedisError:
    sys.exit(1)
