"""Every shipped language is complete: each text of locale/<language>/LC_MESSAGES/django.po and
djangojs.po (the languages of settings.LANGUAGES but English, the source) has a translation in
every plural form, none is fuzzy (gettext skips those: the page would show English), each keeps
the placeholders of its source text and adds none (a missing one drops a value, an unknown one
fails at render time), and the committed .mo files carry exactly what the .po files say."""

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
DOMAINS = ("django", "djangojs")
SOURCE_LANGUAGE = "en"
SHIPPED = [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]

# %(name)s (python-format, and the named interpolation of djangojs), {name} (python-brace-format)
# and the Django template syntax of the default notification texts: {{ variable }}, {% tag %}.
NAMED = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACES = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{\w+\}")
# Positional conversions (%s, %d) count only in texts gettext marks as a format; "%%" is a sign.
POSITIONAL = re.compile(r"%%|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
FORMAT_FLAGS = {"python-format", "javascript-format"}
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}


@dataclass
class Entry:
    line: int
    context: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        context = f"[{self.context}] " if self.context is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda match: ESCAPES[match.group(1)], text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header and obsolete #~ entries left out)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    keyword = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and target is not None and target[0] == "msgstr":
                entries.append(entry)
                entry, target = None, None
            if line.startswith("#,"):
                entry = entry or Entry(line=number)
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        match = keyword.match(line)
        if match:
            name, index, value = match.group(1), match.group(2), unquote(match.group(3))
            if name in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                entries.append(entry)
                entry = None
            entry = entry or Entry(line=number)
            if name == "msgctxt":
                entry.context = value
            elif name == "msgid":
                entry.msgid = value
            elif name == "msgid_plural":
                entry.msgid_plural = value
            else:
                entry.msgstr[int(index or 0)] = value
            target = (name, int(index or 0))
        else:
            assert line.startswith('"') and entry is not None and target is not None, (
                f"{path}:{number}: cannot read {line!r}"
            )
            value = unquote(line)
            if target[0] == "msgctxt":
                entry.context += value
            elif target[0] == "msgid":
                entry.msgid += value
            elif target[0] == "msgid_plural":
                entry.msgid_plural += value
            else:
                entry.msgstr[target[1]] += value
    if entry is not None:
        entries.append(entry)
    return [entry for entry in entries if entry.msgid != ""]


def plural_count(path: Path) -> int:
    header = re.search(r"nplurals\s*=\s*(\d+)", path.read_text(encoding="utf-8"))
    assert header, f"{path}: no Plural-Forms header"
    return int(header.group(1))


def placeholders(text: str, flags: set[str]) -> tuple[set[str], list[str]]:
    """The named placeholders (their set: a translation may repeat or reorder them) and the
    positional conversions (in their order: they are filled by position)."""
    named = set(NAMED.findall(text) + BRACES.findall(text))
    positional = []
    if flags & FORMAT_FLAGS:
        positional = [conversion for conversion in POSITIONAL.findall(text) if conversion != "%%"]
    return named, positional


def catalogs() -> list[tuple[str, str]]:
    return [(language, domain) for language in SHIPPED for domain in DOMAINS]


def po_path(language: str, domain: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{domain}.po"


def test_the_shipped_languages_are_those_of_the_settings():
    assert SHIPPED, "settings.LANGUAGES names no language but English"
    for language, domain in catalogs():
        assert po_path(language, domain).is_file(), po_path(language, domain)


@pytest.mark.parametrize(("language", "domain"), catalogs())
def test_every_text_is_translated_in_every_form_and_none_is_fuzzy(language, domain):
    path = po_path(language, domain)
    forms = plural_count(path)
    entries = read_po(path)
    fuzzy = [entry.label for entry in entries if "fuzzy" in entry.flags]
    untranslated = []
    for entry in entries:
        wanted = range(forms) if entry.msgid_plural is not None else range(1)
        if any(not entry.msgstr.get(form, "").strip() for form in wanted):
            untranslated.append(entry.label)

    assert entries, f"{path} has no entries"
    assert not (untranslated or fuzzy), (
        f"{path}: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy.\n"
        + "\n".join(f"untranslated {label}" for label in untranslated)
        + "\n"
        + "\n".join(f"fuzzy {label}" for label in fuzzy)
    )


@pytest.mark.parametrize(("language", "domain"), catalogs())
def test_every_translation_keeps_the_placeholders_of_its_text(language, domain):
    path = po_path(language, domain)
    problems = []
    for entry in read_po(path):
        for form, translation in sorted(entry.msgstr.items()):
            if not translation:
                continue  # reported by the completeness test
            source = entry.msgid if form == 0 or entry.msgid_plural is None else entry.msgid_plural
            (wanted, wanted_positional) = placeholders(source, entry.flags)
            (got, got_positional) = placeholders(translation, entry.flags)
            missing, unknown = sorted(wanted - got), sorted(got - wanted)
            if missing or unknown or wanted_positional != got_positional:
                problems.append(
                    f"{entry.label} [form {form}]: missing {missing}, unknown {unknown}, "
                    f"positional {wanted_positional} vs {got_positional}"
                )

    assert not problems, f"{path}: {len(problems)} with other placeholders:\n" + "\n".join(problems)


@pytest.mark.parametrize(("language", "domain"), catalogs())
def test_the_committed_mo_file_carries_every_translation_of_the_po_file(language, domain):
    path = po_path(language, domain)
    with path.with_suffix(".mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    # A count that picks each plural form (nl, de: 1 picks the first, 2 the second).
    counts: dict[int, int] = {}
    for count in range(200):
        counts.setdefault(catalog.plural(count), count)
    stale = []
    for entry in read_po(path):
        if entry.msgid_plural is None:
            compiled_forms = {
                0: catalog.gettext(entry.msgid)
                if entry.context is None
                else catalog.pgettext(entry.context, entry.msgid)
            }
        else:
            compiled_forms = {
                form: catalog.ngettext(entry.msgid, entry.msgid_plural, count)
                if entry.context is None
                else catalog.npgettext(entry.context, entry.msgid, entry.msgid_plural, count)
                for form, count in counts.items()
            }
        if compiled_forms != {form: entry.msgstr.get(form) for form in compiled_forms}:
            stale.append(entry.label)

    assert not stale, (
        f"{path.with_suffix('.mo')} is older than its .po for {len(stale)} texts "
        "(run `manage.py compilemessages --ignore=.venv`):\n" + "\n".join(stale)
    )
