import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SavedModel/Keras sources for the converter tests, built once per session in a child
    process (it imports TensorFlow; the test process never does): see
    tests/tf_scripts/build_sources.py for what is in the folder."""
    out = tmp_path_factory.mktemp("sources")
    subprocess.run(
        [sys.executable, str(HERE / "tf_scripts" / "build_sources.py"), str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out
