"""Security rules: no remote code, no pickle from artifacts, no eval of data, and no
path built from a config or key escapes the artifact store.

The source checks parse every module of the package (and the claim specs shipped with it) and
inspect calls in the syntax tree, so comments and docstrings that mention the patterns do not
count and aliased calls (``from torch import load``) do.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repro.cache import Artifact, ArtifactStore, artifact_key
from repro.errors import ArtifactError

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "repro").rglob("*.py"), *(ROOT / "claims").glob("*.py")])

#: Calls that unpickle (arbitrary code on load) or execute text: never allowed on any input.
FORBIDDEN_CALLS = {
    "pickle.load",
    "pickle.loads",
    "pickle.Unpickler",
    "cPickle.load",
    "cPickle.loads",
    "dill.load",
    "dill.loads",
    "joblib.load",
    "marshal.load",
    "marshal.loads",
    "shelve.open",
    "pandas.read_pickle",
    "pd.read_pickle",
    "yaml.unsafe_load",
    "os.system",
    "os.popen",
    "eval",
    "exec",
    "builtins.eval",
    "builtins.exec",
}


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str:
    """``a.b.c`` of a call target, with import aliases resolved (``from torch import load``)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(aliases.get(node.id, node.id) if isinstance(node, ast.Name) else "<expr>")
    return ".".join(reversed(parts))  # "<expr>.eval" (model.to(x).eval()) is not builtin eval


def _aliases(tree: ast.AST) -> dict[str, str]:
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_const(node: ast.expr | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases = _aliases(tree)
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases)
        where = f"{path.relative_to(ROOT) if ROOT in path.parents else path.name}:{node.lineno}"
        trc = _kw(node, "trust_remote_code")
        if trc is not None and not _is_const(trc, False):
            out.append(f"{where}: trust_remote_code must be the constant False")
        if name in FORBIDDEN_CALLS:
            out.append(f"{where}: {name}() is forbidden")
        if name == "torch.load" and not _is_const(_kw(node, "weights_only"), True):
            out.append(f"{where}: torch.load without weights_only=True")
        if name in ("numpy.load", "np.load") and not _is_const(
            _kw(node, "allow_pickle") or ast.Constant(False), False
        ):
            out.append(f"{where}: numpy.load with allow_pickle")
        if name == "yaml.load" and _kw(node, "Loader") is None:
            out.append(f"{where}: yaml.load without a safe Loader")
        if name.startswith("subprocess.") and _is_const(_kw(node, "shell"), True):
            out.append(f"{where}: subprocess with shell=True")
        if name.rsplit(".", 1)[-1] in ("extractall", "extract") and not isinstance(
            _kw(node, "filter"), ast.Constant
        ):
            out.append(f"{where}: archive extraction without a filter (path traversal)")
    return out


def test_sources_were_found():
    names = {p.name for p in SOURCES}
    assert {"cache.py", "jobs.py", "pretrain.py", "loop.py"} <= names
    assert any(p.parent.name == "claims" for p in SOURCES)


def test_no_remote_code_pickle_or_eval_in_the_package():
    problems = [v for p in SOURCES for v in violations(p)]
    assert not problems, "\n".join(problems)


def test_the_source_checks_catch_what_they_claim(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text(
        "import pickle, torch\nfrom torch import load as tl\nimport numpy as np\n"
        "AutoModel.from_pretrained('x', trust_remote_code=True)\n"
        "AutoModel.from_pretrained('x', trust_remote_code=flag)\n"
        "pickle.loads(b'')\ntorch.load('x')\ntl('x', weights_only=False)\n"
        "torch.load('x', weights_only=True)\nnp.load('x', allow_pickle=True)\n"
        "eval(text)\nexec(code)\ntarfile.open('a').extractall('d')\n"
        "subprocess.run(cmd, shell=True)\n# pickle.load(x) in a comment is fine\n"
        "model.to('cpu').eval()\nmodel.eval()\n"
        "AutoModel.from_pretrained('x', trust_remote_code=False)\n"
    )
    found = violations(bad)
    kinds = [f.split(": ", 1)[1] for f in found]
    assert kinds.count("trust_remote_code must be the constant False") == 2
    assert kinds.count("torch.load without weights_only=True") == 2
    assert {
        "pickle.loads() is forbidden",
        "eval() is forbidden",
        "exec() is forbidden",
        "numpy.load with allow_pickle",
        "subprocess with shell=True",
        "archive extraction without a filter (path traversal)",
    } <= set(kinds)
    assert len(found) == 10


def test_no_config_or_toml_enables_remote_code():
    for p in [*(ROOT / "repro").rglob("*.toml"), ROOT / "pyproject.toml"]:
        text = p.read_text(encoding="utf-8").lower().replace(" ", "")
        assert "trust_remote_code=true" not in text, p


# --------------------------------------------------------------------------------------------
# Paths from configs and keys stay inside the store
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sandbox")


@pytest.fixture(scope="module")
def store(sandbox) -> ArtifactStore:
    return ArtifactStore(sandbox / "a" / "b" / "store")


@pytest.fixture(scope="module")
def artifact(store) -> Artifact:
    key = artifact_key("data", {"security": 1}, {})
    with store.writer("data", key, {}) as out:
        (out / "sub").mkdir()
        (out / "sub" / "f.txt").write_text("x")
    art = store.get("data", key)
    (store.root.parent / "outside.txt").write_text("secret")
    return art


def _inside(p: Path, root: Path) -> bool:
    p, root = p.resolve(), root.resolve()
    return p == root or root in p.parents


path_parts = st.lists(
    st.sampled_from(
        [
            "..",
            ".",
            "sub",
            "f.txt",
            "",
            "/",
            "~",
            "..\\..",
            "%2e%2e",
            "\x00",
            "/etc/passwd",
            "data",
            "\u2025",
        ]
    ),
    max_size=6,
)


@given(path_parts)
def test_artifact_file_never_escapes(artifact, parts):
    rel = "/".join(parts)
    try:
        p = artifact.file(rel)
    except ArtifactError:
        return
    except ValueError:  # an embedded NUL byte: refused by the OS layer before any access
        assert "\x00" in rel
        return
    assert _inside(p, artifact.path)


@pytest.mark.parametrize(
    "rel", ["../../outside.txt", "/etc/passwd", "sub/../../x", "../" + "x" * 3]
)
def test_artifact_file_refuses_known_escapes(artifact, rel):
    with pytest.raises(ArtifactError, match="escapes"):
        artifact.file(rel)


def test_artifact_file_refuses_a_symlink_pointing_out(artifact, store):
    link = artifact.path / "sub" / "link"
    os.symlink(store.root.parent / "outside.txt", link)
    try:
        with pytest.raises(ArtifactError, match="escapes"):
            artifact.file("sub/link")
        assert artifact.file("sub/f.txt").read_text() == "x"
    finally:
        link.unlink()


names = st.one_of(
    st.sampled_from(
        ["data", "adjust", "../data", "data/../..", "", ".", "..", "/tmp", "a b", "data\x00"]
    ),
    st.text(max_size=12),
)
keys = st.one_of(
    st.just(artifact_key("data", {}, {})),
    st.sampled_from(
        ["", "../" * 5 + "tmp/evil", "ABCDEF", "abc/def", "..", "0" * 64, "f" * 10 + "/.."]
    ),
    st.text(max_size=70),
)


@given(names, keys)
def test_store_paths_from_stage_and_key_stay_in_the_root(sandbox, store, artifact, stage, key):
    for fn in (store.path_for, store.work_dir):
        try:
            p = fn(stage, key)
        except ArtifactError:
            continue
        assert _inside(p, store.root) and p.parent.parent == store.root
    try:
        with store.lock(stage, key):
            pass
    except ArtifactError:
        pass
    stray = [
        p
        for p in sandbox.rglob("*")
        if not _inside(p, store.root)
        and p not in (store.root.parent / "outside.txt", store.root.parent, sandbox / "a")
    ]
    assert not stray, stray


@pytest.mark.parametrize(
    "stage, key", [("data", "../../../../tmp/escaped"), ("../x", "ab" * 16), ("data", "abc/def")]
)
def test_work_dir_and_lock_refuse_path_like_keys(store, stage, key):
    with pytest.raises(ArtifactError):
        store.work_dir(stage, key)
    with pytest.raises(ArtifactError), store.lock(stage, key):
        pass
    assert not Path("/tmp/escaped").exists()
