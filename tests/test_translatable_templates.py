"""Every text a person reads on a page is marked for translation: each Django template is read
with Django's own template lexer, its tags and variables masked, and what remains parsed as HTML.
Any letters left in a text node (outside <script>, <style> and <code>), in a visible attribute
(title, alt, placeholder, aria-label) or in a literal a filter or an include prints fail, naming
the template and the text. Texts inside {% translate %} / {% blocktranslate %} (and _("…") literals)
are translated, so they pass."""

import re
from pathlib import Path

from django.template.base import DebugLexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_FOLDERS = {".venv", "wip", "node_modules", ".git", "staticfiles"}

# Texts that are the same in every language.
ALLOWED = {
    "true,false",  # data-hour12="{{ …|yesno:'true,false' }}": a value the page's script reads
}

VISIBLE_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "aria-description")
HIDDEN_CONTENT = re.compile(r"<(script|style|code)\b[^>]*>.*?</\1\s*>", re.S | re.I)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
ATTRIBUTE = re.compile(
    r"""(?<![\w-])(""" + "|".join(VISIBLE_ATTRIBUTES) + r""")\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I
)
# A literal that a variable prints: {{ x|default:"None" }}, {{ x|yesno:"yes,no" }}.
PRINTED_FILTER_LITERAL = re.compile(
    r"""\|\s*(default|default_if_none|yesno)\s*:\s*(?:"([^"]*)"|'([^']*)')"""
)
# A literal handed to an included template or printed by a tag: `with label="Name"`, firstof.
TAG_LITERAL = re.compile(r"""(?:(?<=[\s=])|^)(?<!_\()(?:"([^"]*)"|'([^']*)')""")
TRANSLATED_LITERAL = re.compile(r"""_\((?:"[^"]*"|'[^']*')\)""")
OPENING_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
SILENT_BLOCKS = {"comment": "endcomment"}
TRANSLATE_TAGS = {"translate", "trans"}
# Tags whose string arguments are never shown: names of templates, URLs, formats, comparisons.
TAGS_WITH_LITERALS_SHOWN = {"include", "firstof", "with"}


def templates() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.html")
        if not SKIPPED_FOLDERS.intersection(path.relative_to(ROOT).parts)
    )


def has_letters(text: str) -> bool:
    text = re.sub(r"&[#\w]+;", "", text)  # entities (&nbsp;, &middot;) are not words
    return any(character.isalpha() for character in text)


def visible_literal(literal: str) -> bool:
    """A literal with words in it (not a name such as "email" or "web/pages/_field.html")."""
    return has_letters(literal) and (" " in literal.strip() or literal[:1].isupper())


def masked_source(source: str) -> tuple[str, list[str]]:
    """The template with every tag, variable and comment (and each translated block) replaced
    by as many neutral characters (so the HTML around them still parses), and the visible
    literals found in tags and variables."""
    masked, literals, closing = [], [], None
    for token in DebugLexer(source).tokenize():
        text = source[token.position[0] : token.position[1]]
        contents = token.contents.strip()
        name = contents.split()[0] if contents and token.token_type == TokenType.BLOCK else ""
        if closing is not None:
            masked.append("#" * len(text))
            if name == closing:
                closing = None
            continue
        if token.token_type == TokenType.TEXT:
            masked.append(text)
            continue
        masked.append(("#" if token.token_type == TokenType.VAR else " ") * len(text))
        bare = TRANSLATED_LITERAL.sub("", contents)
        if name in OPENING_BLOCKS or name in SILENT_BLOCKS:
            closing = OPENING_BLOCKS.get(name) or SILENT_BLOCKS[name]
        if token.token_type == TokenType.VAR or name in OPENING_BLOCKS:
            printed = [a or b for _f, a, b in PRINTED_FILTER_LITERAL.findall(bare)]
            literals += [literal for literal in printed if has_letters(literal)]
        if name in TAGS_WITH_LITERALS_SHOWN:
            words = bare.split(None, 2 if name == "include" else 1)
            arguments = words[-1] if len(words) > (2 if name == "include" else 1) else ""
            shown = [a or b for a, b in TAG_LITERAL.findall(arguments)]
            literals += [literal for literal in shown if visible_literal(literal)]
    return "".join(masked), literals


def untranslated_texts(source: str) -> list[str]:
    masked, found = masked_source(source)
    masked = HTML_COMMENT.sub(lambda match: " " * len(match.group()), masked)
    masked = HIDDEN_CONTENT.sub(lambda match: " " * len(match.group()), masked)
    for tag in TAG.findall(masked):
        found += [a or b for _n, a, b in ATTRIBUTE.findall(tag) if has_letters(a or b)]
    for text in TAG.split(masked):
        if has_letters(text):
            found.append(text)
    cleaned = (" ".join(text.replace("#", " ").split()) for text in found)
    return [text for text in cleaned if text not in ALLOWED]


def test_the_scanner_finds_texts_and_passes_translated_ones():
    source = (
        '{% load i18n %}<h1 title="Plain title">Plain {{ x }} text</h1>'
        "<p>{% translate 'Marked' %}</p>{% blocktranslate %}Marked {{ y }}{% endblocktranslate %}"
        '<img alt="{% translate "Marked" %}"><script>var words = "in a script";</script>'
        "{# a comment #}{% comment %}Also a comment{% endcomment %}<!-- an html comment -->"
        '{{ z|default:"None yet" }}{{ z|default:_("Marked") }}{{ d|date:"D j M" }}'
        '{% blocktranslate with on=x|yesno:"on,off" %}Marked {{ on }}{% endblocktranslate %}'
        '{% include "web/pages/_field.html" with label="Your name" name="email" %}'
        "<span>&nbsp;&middot; 3 · —</span>"
    )
    assert untranslated_texts(source) == [
        "None yet",
        "on,off",
        "Your name",
        "Plain title",
        "Plain text",
    ]


def test_every_visible_text_in_every_template_is_marked_for_translation():
    untranslated = {
        str(path.relative_to(ROOT)): texts
        for path in templates()
        if (texts := untranslated_texts(path.read_text()))
    }
    assert untranslated == {}
