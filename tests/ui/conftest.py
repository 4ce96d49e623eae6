import pytest
from gradio_client import Client


@pytest.fixture
def client(app_url):
    """A fresh API client: its own session, as a separate user would have."""
    return Client(app_url, verbose=False)
