"""The CartPole example: gymnasium's CartPole-v1 trained through the engine's closed-loop stage.

``task.py`` holds the function spec and the open-loop filter, ``episodes.py`` the episode loop that runs
around a candidate in its sandbox worker, ``replay.py`` the parent's check of what a worker played,
``feedback.py`` the update prompt's account of failed episodes, ``scorer.py`` the expensive scorer and
``__main__.py`` the entry point (``python -m examples.cartpole``).
"""
