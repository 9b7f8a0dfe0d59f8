import pytest
from scripted_world_view import load_fixture_map


@pytest.fixture(scope="session")
def town_map():
    return load_fixture_map()
