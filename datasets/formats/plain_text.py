"""Descriptions as plain text, for the formats that carry text rather than markup.

Descriptions are stored as sanitized HTML (the ``html`` metadata type). DCAT literals, schema.org, Project
Open Data, Data Package and Atom ``type="text"`` consumers show what they get as it is, so they get the text a
reader would read: tags dropped, entities decoded, one line per block.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Tags whose start or end breaks a line of the plain text made from a description.
BLOCK_TAGS = frozenset(
    {"p", "br", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr"}
)


class PlainText(HTMLParser):
    """The text of an HTML fragment: tags dropped, entities decoded, a line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, [])

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The text of ``fragment`` (sanitized HTML) as a reader would read it."""
    parser = PlainText()
    parser.feed(fragment)
    parser.close()
    # HTML collapses runs of white space; blocks give the line breaks.
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)
