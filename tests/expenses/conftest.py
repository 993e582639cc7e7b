import pytest


@pytest.fixture(autouse=True)
def _receipts_in_tmp(settings, tmp_path):
    """Each story's receipts are written to its own folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
