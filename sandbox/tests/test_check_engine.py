import pytest
from django.core.management import CommandError, call_command


def test_it_says_clearly_when_no_engine_is_reachable(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine-here.sock")
    with pytest.raises(CommandError, match="No Docker engine is reachable"):
        call_command("check_engine")
