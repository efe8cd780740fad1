"""docker-compose.yml agrees with the code: services it waits for exist and can report what
is awaited, every worker has its service, and the Nexgate containers' settings are valid."""
from __future__ import annotations

import shlex

import pytest
import yaml

from nexgate import workers
from nexgate.config import Config, documented_settings
from tests.cli import ROOT

SERVICES = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
NEXGATE_SERVICES = [name for name, service in SERVICES.items() if service.get("image") == "nexgate:dev"]


def _command(service: dict) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else command


def test_every_dependency_exists_and_can_satisfy_its_condition():
    for name, service in SERVICES.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in SERVICES, f"{name} depends on a missing service {dependency}"
            condition = rule["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in SERVICES[dependency], f"{name} waits for {dependency} to be healthy"
            elif condition == "service_completed_successfully":
                assert SERVICES[dependency].get("restart") == "no", f"{name} waits for {dependency} to finish"


def test_the_server_and_each_worker_run_as_their_own_service():
    commands = {name: _command(SERVICES[name])[3:] for name in NEXGATE_SERVICES}
    assert commands["migrate"] == ["migrate"]
    assert commands["app"] == ["serve", "--workers", "none"]
    assert sorted(c[1] for c in commands.values() if c[0] == "worker") == sorted(workers.names())
    assert "8080:8080" in SERVICES["app"]["ports"]


@pytest.mark.parametrize("name", NEXGATE_SERVICES)
def test_nexgate_containers_use_real_valid_settings(name):
    environment = SERVICES[name]["environment"]
    known = {variable for variable, _, _ in documented_settings()}
    assert set(environment) <= known, f"not Config variables: {sorted(set(environment) - known)}"
    config = Config.from_env({variable: str(value) for variable, value in environment.items()})
    assert "@postgres:" in config.database_url and "@rabbitmq:" in config.amqp_url and config.smtp_host == "mailpit"
