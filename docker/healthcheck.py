#!/usr/bin/env python3
"""Container health check: does the vidstream server in this container answer HTTP?

Usage: ``vidstream-healthcheck [PORT]`` (default 5000). Asks ``GET /healthz``, which
every service answers with 200 while its process is alive (and which is exempt from
sessions' side effects and rate limits).
"""

import http.client
import sys


def main() -> int:
    """Exit 0 when ``GET /healthz`` on 127.0.0.1:PORT answers 200."""
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    try:
        connection.request("GET", "/healthz", headers={"User-Agent": "vidstream-healthcheck"})
        status = connection.getresponse().status
    except OSError as error:
        print(f"vidstream on port {port} is not answering: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"vidstream on port {port} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
