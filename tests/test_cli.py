"""cli.py and the build/new commands: exit codes, messages, never overwriting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO, post

from generator.cli import main
from generator.content import parse_article


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), *args],
        capture_output=True, text=True, timeout=120,
    )


def test_help_everywhere():
    for args in ([], ["build"], ["new"]):
        result = subprocess.run([sys.executable, str(REPO / "build.py"), *args, "--help"], capture_output=True, text=True)
        assert result.returncode == 0 and "usage:" in result.stdout


def test_build_command_prints_one_summary_line(make_site):
    root = make_site({"content/posts/a.md": post("A", "2024-01-01")})
    result = run_cli(root, "build", "--base-url", "https://preview.example.net/")
    assert result.returncode == 0, result.stderr
    warning, summary = result.stderr.splitlines()
    assert warning.startswith("warning: site.toml not found")  # one warning, said to be one; defaults used
    assert summary.startswith("built ") and " pages (" in summary
    again = run_cli(root, "build", "--base-url", "https://preview.example.net/").stderr.splitlines()[-1]
    count = summary.split()[1]
    assert again.startswith(f"built {count} pages (0 changed)"), (summary, again)  # a no-op counts the same
    assert "https://preview.example.net/posts/a/" in (root / "public/sitemap.xml").read_text()


def test_verbose_build_shows_stage_timings(make_site):
    root = make_site({"content/posts/a.md": post("A", "2024-01-01"), "site.toml": 'title = "x"\n'})
    quiet = run_cli(root, "build", "--clean")
    assert [line for line in quiet.stderr.splitlines() if not line.startswith("built ")] == []
    verbose = run_cli(root, "-v", "build", "--clean")
    stages = {line.split()[-3] for line in verbose.stderr.splitlines() if line.endswith(" s") and "pipeline" in line}
    assert {"load", "markdown", "render", "publish"} <= stages, verbose.stderr


def test_quiet_hides_stage_lines(make_site):
    root = make_site({"content/posts/a.md": post("A", "2024-01-01"), "site.toml": 'title = "x"\n'})
    result = run_cli(root, "-q", "build")
    assert result.returncode == 0 and result.stderr == ""


def test_bad_config_exits_2_with_one_line(make_site):
    root = make_site({"site.toml": 'titel = "x"\n'})
    result = run_cli(root, "build")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: site.toml: unknown key 'titel' (did you mean 'title'?)"


def test_bad_content_exits_1_and_lists_every_file(make_site):
    root = make_site({
        "site.toml": 'title = "x"\n',
        "content/posts/ok.md": post("Ok", "2024-01-01"),
        "content/posts/bad.md": "---\ntitle: x\ndate: nope\n---\n",
        "content/posts/bad2.md": "---\ntitle: x\ndate: 2024-01-01\ntags: 3\n---\n",
    })
    (root / "public").mkdir()
    (root / "public/keep.html").write_text("previous")
    (root / "public/.generated-site").write_text("a previous build's output\n")
    result = run_cli(root, "build")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    # paths from the project root, as `new` prints them
    assert "error: content/posts/bad.md:3: bad 'date'" in lines[0] or "error: content/posts/bad.md:3: bad 'date'" in lines[1]
    assert any(line.startswith("error: content/posts/bad2.md:4: bad 'tags'") for line in lines)
    assert (root / "public/keep.html").read_text() == "previous"


def test_bad_usage_exits_2(make_site):
    root = make_site({})
    assert run_cli(root, "build", "--no-such-flag").returncode == 2
    assert main(["nosuchcommand"]) == 2


def test_bad_usage_of_a_command_exits_2_with_one_line(make_site):
    root = make_site({"site.toml": 'title = "x"\n'})
    for blank in ("", "   "):
        result = run_cli(root, "new", blank)
        assert result.returncode == 2 and result.stderr.startswith("error: new: the title is empty")
    assert not (root / "content").exists()


def test_a_missing_root_folder_is_one_error_not_a_build_with_defaults(tmp_path):
    for command in (["build"], ["serve", "--port", "0"], ["fetch"], ["new", "A post"], ["feeds", "list"]):
        result = run_cli(tmp_path / "nonexistent", *command)
        assert result.returncode == 2, command
        assert result.stderr.strip() == f"error: --root {tmp_path / 'nonexistent'}: no such folder; give the project folder (the one with site.toml)"
    assert not (tmp_path / "nonexistent").exists()  # nothing made there (serve's .cache/ included)


def test_empty_base_url_builds_with_site_toml_and_a_bad_one_blames_the_option(make_site):
    root = make_site({"site.toml": 'base_url = "https://planet.example.org/"\n', "content/posts/a.md": post("A", "2024-01-01")})
    result = run_cli(root, "build", "--base-url", "")
    assert result.returncode == 0, result.stderr
    assert "https://planet.example.org/posts/a/" in (root / "public/sitemap.xml").read_text()
    bad = run_cli(root, "build", "--base-url", "notaurl")
    assert bad.returncode == 2 and bad.stderr.strip() == "error: --base-url: 'notaurl' is not an absolute http(s) URL such as 'https://example.org/'"


def test_build_finds_an_invalid_filter_regex_as_fetch_does(make_site):
    root = make_site({
        "site.toml": 'title = "x"\n', "content/posts/a.md": post("A", "2024-01-01"),
        "feeds/feeds.toml": '[[feed]]\nname = "a"\nurl = "https://a.example/"\ninclude = ["re:(unclosed"]\n',
    })
    result = run_cli(root, "build")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: feeds/feeds.toml [[feed]] #1: include regex '(unclosed' is invalid")
    assert not (root / "public").exists()


def test_new_creates_post_and_never_overwrites(make_site):
    root = make_site({"site.toml": 'title = "x"\n'})
    first = run_cli(root, "new", "Hello: World!")
    assert first.returncode == 0, first.stderr
    path = root / first.stdout.strip()
    assert path.parent == root / "content/posts" and path.name.endswith("-hello-world.md")
    text = path.read_text()
    scaffold = parse_article(text, "posts/x.md")  # written as every article file is: it reads back
    assert (scaffold.title, scaffold.slug, scaffold.draft) == ("Hello: World!", "hello-world", True) and "draft: true" in text
    path.write_text(text + "\nMy words.\n")
    assert "slug: hello-world\n" in text  # its URL, written into the file
    second = run_cli(root, "new", "Hello: World!")  # the same title: a slug no other post uses
    assert second.returncode == 0 and second.stdout.strip().endswith("-hello-world-2.md")
    assert "slug: hello-world-2\n" in (root / second.stdout.strip()).read_text()
    assert path.read_text().endswith("My words.\n")
    (root / second.stdout.strip()).rename(path.with_name("taken.md"))
    (path.with_name("taken.md")).write_text("---\ntitle: T\ndate: 2024-01-01\nslug: other\n---\n")
    (path.with_name(path.name.replace("hello-world", "other"))).write_text("---\ntitle: T\ndate: 2024-01-01\nslug: mine\n---\n")
    third = run_cli(root, "new", "Other")  # 'other' is taken: other-2, in a file of its own
    assert third.returncode == 0 and third.stdout.strip().endswith("-other-2.md")
    # the scaffolded post builds (as a draft)
    path.with_name("taken.md").unlink()
    assert run_cli(root, "build", "--drafts").returncode == 0, run_cli(root, "build", "--drafts").stderr
    assert (root / "public/posts/hello-world/index.html").exists()


def test_only_the_command_named_is_imported(make_site):
    root = make_site({"content/posts/a.md": post("A", "2024-01-01")})
    code = (
        "import sys; from generator.cli import main; code = main(['--root', sys.argv[1], '-q', 'build']);"
        "print(code, 'generator.commands.fetch' in sys.modules, 'httpx' in sys.modules, 'bs4' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.stdout.split() == ["0", "False", "False", "False"], result.stderr
    assert (root / "public/index.html").exists()


def test_named_command_is_found_past_global_options():
    from generator.cli import _named_command

    assert _named_command(["--root", "build", "-q", "new", "x"]) == "new"
    assert _named_command(["--root=x", "-v", "fetch", "--strict"]) == "fetch"
    assert _named_command(["--ro", "serve", "build"]) == "build"
    assert _named_command(["--help", "build"]) is None and _named_command([]) is None
    assert _named_command(["nonsense"]) is None
