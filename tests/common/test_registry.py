"""The one backend registry idiom and the packaged-model lookup of the common library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import pytest

from emer_common.errors import ConfigurationError, UnknownNameError
from emer_common.packaged import packaged_file
from emer_common.registry import Registry

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class Echo:
    """A backend whose ``from_settings`` returns what it was given."""

    settings: str

    @classmethod
    def from_settings(cls, settings: str) -> Echo:
        return cls(settings)


ECHO = Registry[str, Echo]("echo", {"echo": f"{__name__}:Echo"}, setting="EMER_ECHO_BACKEND")


def test_names_and_dotted_paths_build_a_backend() -> None:
    assert ECHO.available() == ("echo",) and "echo" in ECHO
    assert ECHO.create("echo", "s") == Echo("s")
    assert ECHO.create(f"{__name__}:Echo", "t") == Echo("t")


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownNameError, match=r"EMER_ECHO_BACKEND.*'nope'.*echo") as raised:
        ECHO.create("nope", "s")
    assert isinstance(raised.value, KeyError) and raised.value.known == ("echo",)


def test_a_broken_path_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no module"):
        ECHO.load("emer_no_such_module:Echo")
    with pytest.raises(ConfigurationError, match="has no 'Missing'"):
        ECHO.load(f"{__name__}:Missing")


def test_every_service_registry_lists_its_default_backends() -> None:
    from emer_audio.backends.registry import ASR_BACKENDS, VAD_BACKENDS
    from emer_audio.settings import AudioSettings
    from emer_common.llm.registry import LLM_BACKENDS as FUSION
    from emer_common.llm.settings import BackendName
    from emer_text.backends.registry import BACKENDS as TEXT
    from emer_text.settings import DEFAULT_BACKENDS
    from emer_visual.backends.registry import BACKENDS as VISUAL

    audio = AudioSettings()
    assert audio.vad_backend in VAD_BACKENDS and audio.asr_backend in ASR_BACKENDS
    assert set(DEFAULT_BACKENDS) <= set(TEXT.available())
    assert set(VISUAL.available()) == {"mediapipe", "clip"}
    assert set(FUSION.available()) == set(get_args(BackendName))


def test_packaged_file_finds_a_file_without_importing_its_package() -> None:
    path = packaged_file("emer_common", "data/emotions.csv")
    assert path.is_file()


def test_packaged_file_names_the_package_to_install() -> None:
    with pytest.raises(ConfigurationError, match=r"`emer-no-such-carrier`.*EMER_X_PATH"):
        packaged_file("emer_no_such_carrier", "model.bin", setting="EMER_X_PATH")
    with pytest.raises(ConfigurationError, match="missing from the installed `emer-common`"):
        packaged_file("emer_common", "data/none.bin")
