"""The companion WordPress plugin (PHP): syntax, its own PHP test suite, its translations and its metadata.

No WordPress runs here: ``tests/run.php`` in the plugin executes the plugin's code against small
WordPress/WooCommerce doubles and asserts exact output (see its ``tests/doubles``). This module
lints every PHP file with ``php -l``, runs that suite and checks it ran every test it declares,
and checks the translations: the template holds exactly the plugin's strings, each language
translates all of them with the same placeholders, and each compiled ``.mo`` says what its ``.po``
says. After changing a string: edit ``languages/*.pot`` and ``*.po``, then
``pybabel compile -i <file>.po -o <file>.mo -l <locale>`` for each language.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

PLUGIN = Path(__file__).resolve().parents[3] / "adapters" / "woocommerce_bridge" / "wordpress-plugin"
MAIN_FILE = PLUGIN / "retino-returns.php"
LANGUAGES = PLUGIN / "languages"
LOCALES = ("cs_CZ", "sk_SK", "pl_PL", "de_DE", "hu_HU")
TEXT_DOMAIN = "retino-returns"
PHP_FILES = sorted(PLUGIN.rglob("*.php"))
#: The plugin itself, without its tests (what a merchant installs).
SHIPPED_PHP_FILES = [path for path in PHP_FILES if "tests" not in path.relative_to(PLUGIN).parts]

GETTEXT_CALL = re.compile(r"(?<![\w$>:])(?:__|_e|_x|_n|_ex|_nx|esc_html__|esc_html_e|esc_attr__|esc_attr_e)\s*\(")
PHP_STRING = r"'((?:[^'\\]|\\.)*)'"
#: A call with a literal text (and context, for _x) and the plugin's domain, as translation tools read them.
TRANSLATABLE = re.compile(
    r"(?<![\w$>:])(?P<function>__|_e|_x|esc_html__|esc_html_e|esc_attr__|esc_attr_e)\(\s*"
    + PHP_STRING
    + r"\s*,\s*(?:"
    + PHP_STRING
    + r"\s*,\s*)?'retino-returns'\s*\)"
)
PLACEHOLDER = re.compile(r"%(?:\d+\$)?[sd]")


def _php() -> str:
    php = shutil.which("php")
    if php is None:
        pytest.fail("php-cli is required, run make system-deps")
    return php


def _unescape(literal: str) -> str:
    return re.sub(r"\\([\\'])", r"\1", literal)


def _header(name: str, text: str) -> str:
    match = re.search(rf"^[ \t/*#]*{re.escape(name)}:[ \t]*(.+?)[ \t]*$", text, re.MULTILINE)
    assert match, name
    return match.group(1)


def _source_messages() -> set[tuple[str | None, str]]:
    """(context, text) of every string the plugin translates: PHP calls, the plugin header, block.json."""
    main = MAIN_FILE.read_text()
    messages = {(None, _header("Plugin Name", main)), (None, _header("Description", main))}
    for path in SHIPPED_PHP_FILES:
        for match in TRANSLATABLE.finditer(path.read_text()):
            context = _unescape(match.group(3)) if match.group("function") == "_x" else None
            messages.add((context, _unescape(match.group(2))))
    block = json.loads((PLUGIN / "block" / "block.json").read_text())
    messages |= {("block title", block["title"]), ("block description", block["description"])}
    messages |= {("block keyword", keyword) for keyword in block["keywords"]}
    for variation in block["variations"]:
        messages.add(("block variation title", variation["title"]))
        messages.add(("block variation description", variation["description"]))
    return messages


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _entries(catalog) -> dict[tuple[str | None, str], str]:
    return {(message.context, message.id): message.string for message in catalog if message.id}


def test_php_cli_is_installed():
    version = subprocess.run([_php(), "-r", "echo PHP_VERSION_ID;"], capture_output=True, text=True, check=True)
    assert int(version.stdout) >= 70400


@pytest.mark.parametrize("path", PHP_FILES, ids=lambda path: str(path.relative_to(PLUGIN)))
def test_php_file_has_no_syntax_errors(path):
    result = subprocess.run([_php(), "-l", str(path)], capture_output=True, text=True)
    assert (result.returncode, result.stdout.strip()) == (0, f"No syntax errors detected in {path}")


def test_php_test_suite_passes_and_runs_every_declared_test():
    declared = {
        name
        for path in (PLUGIN / "tests").glob("test-*.php")
        for name in re.findall(r"^function (test_\w+)\(", path.read_text(), re.MULTILINE)
    }
    result = subprocess.run([_php(), "tests/run.php"], cwd=PLUGIN, capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()

    assert result.stderr == ""
    assert [line for line in lines if line.startswith("not ok")] == []
    assert result.returncode == 0, result.stdout
    assert {line.removeprefix("ok - ") for line in lines if line.startswith("ok - ")} == declared
    assert lines[-1] == f"{len(declared)} passed, 0 failed"
    assert len(declared) >= 60


def test_block_editor_script_is_plain_javascript_that_parses():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required, run make node-deps")
    result = subprocess.run([node, "--check", str(PLUGIN / "block" / "index.js")], capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")


def test_every_gettext_call_has_a_literal_text_and_the_plugin_domain():
    for path in SHIPPED_PHP_FILES:
        source = path.read_text()
        assert len(GETTEXT_CALL.findall(source)) == len(TRANSLATABLE.findall(source)), path.name


def test_template_holds_exactly_the_plugin_strings():
    template = _catalog(LANGUAGES / f"{TEXT_DOMAIN}.pot")

    assert set(_entries(template)) == _source_messages()
    assert set(_entries(template).values()) == {""}
    assert template.charset.lower() == "utf-8"


@pytest.mark.parametrize("locale", LOCALES)
def test_language_translates_every_string_with_its_placeholders(locale):
    catalog = _catalog(LANGUAGES / f"{TEXT_DOMAIN}-{locale}.po", locale)
    entries = _entries(catalog)

    assert set(entries) == set(_entries(_catalog(LANGUAGES / f"{TEXT_DOMAIN}.pot")))
    assert sorted(key for key, text in entries.items() if not text) == []
    assert [message.id for message in catalog if message.id and message.fuzzy] == []
    assert (
        sorted(
            key
            for key, text in entries.items()
            if sorted(PLACEHOLDER.findall(key[1])) != sorted(PLACEHOLDER.findall(text))
        )
        == []
    )
    assert catalog.charset.lower() == "utf-8"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_says_what_its_source_says(locale):
    source = _entries(_catalog(LANGUAGES / f"{TEXT_DOMAIN}-{locale}.po", locale))
    with (LANGUAGES / f"{TEXT_DOMAIN}-{locale}.mo").open("rb") as handle:
        compiled = read_mo(handle)

    assert _entries(compiled) == source
    assert compiled.charset.lower() == "utf-8"


def test_plugin_header_and_readme_agree():
    main = MAIN_FILE.read_text()
    readme = (PLUGIN / "readme.txt").read_text()

    assert _header("Requires Plugins", main) == "woocommerce"
    assert _header("Text Domain", main) == TEXT_DOMAIN
    assert _header("Domain Path", main) == "/languages"
    assert _header("License", main) == "GPL-2.0-or-later"
    assert _header("Version", main) == _header("Stable tag", readme)
    assert _header("Requires at least", main) == _header("Requires at least", readme)
    assert _header("Requires PHP", main) == _header("Requires PHP", readme) == "7.4"
    assert re.fullmatch(r"\d+\.\d+", _header("WC requires at least", main))
    assert _header("License", readme) == "GPLv2 or later"
    assert readme.startswith(f"=== {_header('Plugin Name', main)} ===\n")
    assert "start?type=return&email={email}&order={order_number}" in readme
