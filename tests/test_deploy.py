"""Deployment files: netlify.toml, the preview build, and the GitHub workflows."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from conftest import REPO, post

NETLIFY = tomllib.loads((REPO / "netlify.toml").read_text())

# The keys Netlify documents for file-based configuration (docs: "File-based configuration").
BUILD_KEYS = {"base", "publish", "command", "functions", "ignore", "environment", "processing", "edge_functions"}
CONTEXT_KEYS = BUILD_KEYS
TOP_KEYS = {"build", "context", "headers", "redirects", "plugins", "functions", "dev", "edge_functions", "images", "template"}
HEADER_KEYS = {"for", "values"}
REDIRECT_KEYS = {"from", "to", "status", "force", "query", "conditions", "headers", "signed"}
REQUIRED_HEADERS = {"Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"}


def test_netlify_toml_uses_documented_keys_only():
    assert set(NETLIFY) <= TOP_KEYS
    assert set(NETLIFY["build"]) <= BUILD_KEYS
    for name, ctx in NETLIFY["context"].items():
        assert name in {"production", "deploy-preview", "branch-deploy", "dev"} or name.islower()
        assert set(ctx) <= CONTEXT_KEYS
    for rule in NETLIFY["headers"]:
        assert set(rule) <= HEADER_KEYS and rule["for"].startswith("/")
    for rule in NETLIFY["redirects"]:
        assert set(rule) <= REDIRECT_KEYS


def test_production_build_is_offline_and_publishes_public():
    build = NETLIFY["build"]
    assert build["publish"] == "public"
    assert build["command"].startswith("python build.py build ") and "fetch" not in build["command"]
    version = NETLIFY["build"]["environment"]["PYTHON_VERSION"]
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == version


def _headers_for(path: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for rule in NETLIFY["headers"]:
        pattern = rule["for"]
        if pattern == path or (pattern.endswith("*") and path.startswith(pattern[:-1])) or (
            pattern.startswith("/*.") and path.endswith(pattern[2:])
        ):
            for key, value in rule["values"].items():
                assert key not in merged, f"{key} set twice for {path}: Netlify would merge the values"
                merged[key] = value
    return merged


def test_security_headers_on_every_page_and_no_clashes():
    for path in ("/", "/posts/x/", "/static/style.abc.css", "/feed.xml", "/feed.json"):
        headers = _headers_for(path)
        assert REQUIRED_HEADERS <= set(headers), path
    csp = {}
    for part in _headers_for("/")["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        csp[name] = value
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'" and csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'" and csp["frame-ancestors"] == "'none'" and csp["img-src"].split()[:2] == ["'self'", "https:"]
    assert "unsafe-inline" not in _headers_for("/")["Content-Security-Policy"]
    assert "immutable" in _headers_for("/static/style.abc.css")["Cache-Control"]


def test_csp_frames_are_exactly_the_normalisers_embed_hosts():
    from generator.normalise import EMBED_HOSTS

    csp = NETLIFY["headers"][0]["values"]["Content-Security-Policy"]
    frame_src = next(p for p in csp.split(";") if p.strip().startswith("frame-src")).split()[1:]
    assert sorted(frame_src) == sorted(f"https://{h}" for h in EMBED_HOSTS)


def test_feed_redirects_and_404():
    rules = {(r["from"], r["to"], r["status"]) for r in NETLIFY["redirects"]}
    for old in ("/rss", "/rss.xml", "/feed"):
        assert (old, "/feed.xml", 301) in rules
    assert ("/*", "/404.html", 404) in rules


def _clean_copy(tmp_path: Path) -> Path:
    """The project as a fresh clone would have it: tracked files only."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    dest = tmp_path / "clone"
    for name in filter(None, files):
        src = REPO / name.decode()
        if src.is_file():
            (dest / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name.decode())
    return dest


def _run_netlify_command(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    args = [a.replace("$URL", env.get("URL", "")).replace("$DEPLOY_PRIME_URL", env.get("DEPLOY_PRIME_URL", "")) for a in shlex.split(command)]
    assert args[:2] == ["python", "build.py"]
    return subprocess.run([sys.executable, *args[1:]], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_production_command_builds_complete_site_in_clean_copy(tmp_path: Path):
    root = _clean_copy(tmp_path)
    result = _run_netlify_command(NETLIFY["build"]["command"], root, URL="https://planet.example.org")
    assert result.returncode == 0, result.stderr
    public = root / "public"
    for name in ("index.html", "404.html", "feed.xml", "atom.xml", "feed.json", "sitemap.xml", "robots.txt", "status/index.html", "archive/index.html"):
        assert (public / name).is_file(), name
    assert "https://planet.example.org/" in (public / "sitemap.xml").read_text()
    assert not (public / "_headers").exists()


def test_preview_command_writes_noindex_headers_and_shows_drafts(tmp_path: Path):
    root = _clean_copy(tmp_path)
    (root / "content/posts/2020-01-01-secret-draft.md").write_text(post("Secret draft", "2020-01-01", draft="true"))
    command = NETLIFY["context"]["deploy-preview"]["command"]
    assert command == NETLIFY["context"]["branch-deploy"]["command"]
    result = _run_netlify_command(command, root, DEPLOY_PRIME_URL="https://deploy-preview-7--planet.netlify.app")
    assert result.returncode == 0, result.stderr
    public = root / "public"
    assert "X-Robots-Tag: noindex" in (public / "_headers").read_text()
    assert "Disallow: /" in (public / "robots.txt").read_text()
    assert (public / "posts/secret-draft/index.html").exists()
    assert "https://deploy-preview-7--planet.netlify.app/" in (public / "sitemap.xml").read_text()


def _workflow(name: str) -> dict:
    return yaml.safe_load((REPO / ".github/workflows" / name).read_text())


def _build_py_calls(workflow: dict) -> list[list[str]]:
    calls = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for line in step.get("run", "").splitlines():
                words = shlex.split(line)
                if words[:2] == ["python", "build.py"]:
                    calls.append(words[2:])
    return calls


def test_workflows_parse_and_call_commands_that_exist():
    ci, fetch = _workflow("ci.yml"), _workflow("fetch.yml")
    # PyYAML reads the key "on" as True.
    assert set(ci[True]) == {"push", "pull_request"}
    assert "schedule" in fetch[True] and "workflow_dispatch" in fetch[True]
    assert any("bash .ci/run" in s.get("run", "") for s in ci["jobs"]["test"]["steps"])
    calls = _build_py_calls(fetch)
    assert calls, "the fetch workflow runs python build.py"
    for words in calls:
        result = subprocess.run([sys.executable, str(REPO / "build.py"), words[0], "--help"], capture_output=True, text=True)
        assert result.returncode == 0, words
        for flag in (w for w in words[1:] if w.startswith("--")):
            assert flag in result.stdout, (words, flag)
    assert any("git push" in s.get("run", "") for s in fetch["jobs"]["fetch"]["steps"])


# The first major of each action that runs on Node 24 (Node 20 actions are deprecated on
# GitHub's runners): a workflow must not use an older one.
NODE24_MAJORS = {"actions/checkout": 5, "actions/setup-python": 6}


def test_workflows_use_actions_whose_node_runtime_is_current():
    used = []
    for path in sorted((REPO / ".github/workflows").glob("*.yml")):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job["steps"]:
                if "uses" in step:
                    action, _, ref = step["uses"].partition("@")
                    used.append((path.name, action, ref))
    assert {action for _, action, _ in used} >= set(NODE24_MAJORS)
    for name, action, ref in used:
        assert action in NODE24_MAJORS, f"{name}: {action} is not known to run on Node 24"
        assert ref.startswith("v") and ref[1:].split(".")[0].isdigit(), f"{name}: {action}@{ref} is not a version tag"
        assert int(ref[1:].split(".")[0]) >= NODE24_MAJORS[action], f"{name}: {action}@{ref} runs on a deprecated Node"


def test_what_the_netlify_cli_writes_is_ignored_by_git(tmp_path: Path):
    root = _clean_copy(tmp_path)
    (root / ".netlify").mkdir()
    (root / ".netlify" / "state.json").write_text('{"siteId": "x"}')
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    ignored = subprocess.run(["git", "check-ignore", ".netlify/state.json"], cwd=root, capture_output=True, text=True)
    assert ignored.returncode == 0, "`.netlify/` (the Netlify CLI's own folder) must be in .gitignore"


def test_production_command_with_an_empty_url_builds_with_site_toml_base_url(tmp_path: Path):
    # `netlify build` on a site that is not linked yet: $URL is empty.
    root = _clean_copy(tmp_path)
    result = _run_netlify_command(NETLIFY["build"]["command"], root, URL="")
    assert result.returncode == 0, result.stderr
    base = tomllib.loads((root / "site.toml").read_text())["base_url"]
    assert f"<loc>{base}</loc>" in (root / "public" / "sitemap.xml").read_text()
