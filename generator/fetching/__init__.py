"""Fetching: feeds over HTTP in, their items normalised and written into ``content/``.

Network-bound and run by ``python build.py fetch``; everything after ``content/`` is offline.
"""
