"""A live service, scraped after it handled a clip: /metrics on the health port, JSON logs."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from emer_cli.processes import ServiceProcesses
from emer_common.bus.connection import client_env
from emer_common.bus.publish import publish
from emer_common.runtime import Bus
from tests.conftest import SAMPLES
from tests.integration.test_fusion_deadline import sample_job
from tests.integration.waiting import wait_last_msg

pytestmark = pytest.mark.integration


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_fusion_metrics_and_json_logs_after_a_clip(bus: Bus, tmp_path: Path) -> None:
    services = ServiceProcesses(
        bus_env=client_env(bus.settings),
        prefix=bus.topology.prefix,
        allowed_roots=(SAMPLES,),
        log_dir=tmp_path / "logs",
        services=("text", "fusion"),
        extra_env={
            "EMER_FUSION_MODALITY_DEADLINE_S": "3",
            "EMER_FUSION_RECHECK_INTERVAL_S": "0.5",
            "EMER_LOG_FORMAT": "json",
        },
    )
    services.start()
    try:
        job = sample_job("scraped")
        await publish(bus.js, bus.topology.job_subject("dl", "scraped"), job, "job.dl.scraped")
        subject = bus.topology.result_subject("dl", "scraped")
        await wait_last_msg(bus, services, bus.topology.results_stream, subject)
        fusion = _scrape(services.health_ports["fusion"])
        text = _scrape(services.health_ports["text"])
    finally:
        services.stop()

    assert fusion[("emer_fusion_join_wait_seconds_count", ())] == 1
    assert fusion[("emer_fusion_join_wait_seconds_sum", ())] >= 3  # waited out the deadline
    for modality in ("visual", "audio"):
        assert fusion[("emer_fusion_missing_modality_total", (("modality", modality),))] == 1
    assert fusion[("emer_model_load_seconds", (("model", "transformers"), ("service", "fusion")))]
    assert any(
        name == "emer_model_load_seconds" and dict(labels)["service"] == "text"
        for name, labels in text
    )
    assert any(name == "emer_build_info" for name, _ in fusion)
    llm = (("backend", "transformers"), ("direction", "prompt"))
    assert fusion[("emer_llm_tokens_total", llm)] > 0  # the grounded strategy scores labels
    assert fusion[("emer_llm_request_duration_seconds_count", (("backend", "transformers"),))]

    lines = (tmp_path / "logs" / "fusion.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records, lines[-5:]
    assert all(r["service"] == "fusion" for r in records if r["logger"].startswith("emer"))
