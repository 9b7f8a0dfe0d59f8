"""Packages of the distribution (metadata is in pyproject.toml): the four Python packages, and the top-level
`agents/` folder (leaderboard agent files, loaded by path) shipped as `langprop_driver.agent_files`. The folder
stays `agents/` without an `__init__.py` in the checkout so that it never shadows CARLA's own `agents` package."""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(  # namespace: data folders (towns, routes, templates) are package data too
            include=["leaderboard_adapter*", "expert*", "data_collection*", "langprop_driver*"], exclude=["*.__pycache__"]
        ),
        "langprop_driver.agent_files",
    ],
    package_dir={"langprop_driver.agent_files": "agents"},
)
