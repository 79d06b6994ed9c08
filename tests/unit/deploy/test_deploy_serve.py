"""`make serve`: its settings refused one line each, and its nginx config complete and valid for Debian's nginx."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.serve import (
    PROJECT_ROOT,
    PROXY_ADDRESS,
    Instance,
    ProductionShape,
    nginx_binary,
    private_log,
    private_state_dir,
    render_nginx,
)

HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'", "X-Frame-Options": "DENY"}


def shape(tmp_path: Path) -> ProductionShape:
    instances = [Instance(port=port, log_path=tmp_path / f"{port}.log") for port in (18001, 18002)]
    return ProductionShape(port=18000, env={}, state_dir=tmp_path, instances=instances)


def test_every_placeholder_is_filled_and_every_instance_is_an_upstream(tmp_path: Path) -> None:
    config = render_nginx(shape(tmp_path), HEADERS)
    assert not re.search(r"@[A-Z_]+@", config.replace("@NAME@", ""))
    assert "listen 127.0.0.1:18000;" in config
    for port in (18001, 18002):
        assert f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" in config
    assert (
        config.count("add_header Content-Security-Policy \"default-src 'self'; frame-ancestors 'none'\" always;") == 2
    )
    assert '"$request_method $uri"' in config  # no query strings (client tokens) in the access log


def test_debians_nginx_accepts_the_config(tmp_path: Path) -> None:
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "tmp" / temp).mkdir(parents=True)
    config = tmp_path / "nginx.conf"
    config.write_text(render_nginx(shape(tmp_path), HEADERS))
    result = subprocess.run(
        [nginx_binary(), "-t", "-e", str(tmp_path / "error.log"), "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def _locations(config: str) -> dict[str, str]:
    return {
        match.group(1).strip(): match.group(2)
        for match in re.finditer(r"^ +location ([^{]+)\{(.*?)\n        \}", config, re.S | re.M)
    }


def test_every_proxied_location_includes_the_one_header_set(tmp_path: Path) -> None:
    config = render_nginx(shape(tmp_path), HEADERS)
    proxied = {name: body for name, body in _locations(config).items() if "proxy_pass" in body}
    assert set(proxied) == {"/_event", "/dev-auth", "/webhooks", "~ ^/(ping|_health|_all_routes)(/|$)"}
    assert all(f"include {PROJECT_ROOT / 'deploy' / 'nginx-proxy.conf'};" in body for body in proxied.values())
    # Headers set at the server level would be inherited by no location that sets its own.
    server_level = config.split("location", 1)[0]
    assert "proxy_set_header" not in server_level
    include = (PROJECT_ROOT / "deploy" / "nginx-proxy.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in include
    assert "$proxy_add_x_forwarded_for" not in include + config
    assert "proxy_set_header Host $http_host;" in include


def test_nginx_limits_sockets_and_requests_per_address(tmp_path: Path) -> None:
    locations = _locations(render_nginx(shape(tmp_path), HEADERS))
    assert "limit_conn smnb_sockets 40;" in locations["/_event"]  # 20 per instance, two instances
    assert "limit_req zone=smnb_connects burst=40 nodelay;" in locations["/_event"]
    assert "limit_req zone=smnb_auth" in locations["/dev-auth"]
    assert "limit_req zone=smnb_webhooks" in locations["/webhooks"]


def test_the_instances_trust_nginx_s_own_address_only(tmp_path: Path) -> None:
    config = render_nginx(shape(tmp_path), HEADERS)
    assert f"proxy_bind {PROXY_ADDRESS};" in config
    assert shape(tmp_path).instance_env()["SMNB_TRUSTED_PROXIES"] == f"{PROXY_ADDRESS}/32"


def test_logs_and_the_state_directory_are_private(tmp_path: Path) -> None:
    state = tmp_path / "a" / "b"
    private_state_dir(state)
    assert {oct(path.stat().st_mode & 0o777) for path in (tmp_path / "a", state)} == {"0o700"}
    log = state / "nginx-error.log"
    log.write_text("")
    log.chmod(0o644)
    private_log(log).close()
    assert oct(log.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("port", "instances", "problems"),
    [
        ("99", "2", ["SMNB_PORT"]),
        ("8080", "0", ["SMNB_INSTANCES"]),
        ("eighty", "1e9", ["SMNB_PORT", "SMNB_INSTANCES"]),
        ("80\t80", "-1", ["SMNB_PORT", "SMNB_INSTANCES"]),
        ("8" * 400, "", ["SMNB_PORT"]),
    ],
)
def test_bad_port_or_instance_count_stops_make_serve_one_line_each(
    port: str, instances: str, problems: list[str]
) -> None:
    env = {**os.environ, "SMNB_PORT": port, "SMNB_INSTANCES": instances}
    result = subprocess.run(
        [sys.executable, "-m", "deploy.serve"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    lines = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert result.returncode == 1 and result.stdout == ""
    assert [line.split(":", 1)[0] for line in lines] == problems
