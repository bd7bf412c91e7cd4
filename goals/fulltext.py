"""A paper's full text as stored in `PaperSection.body`: the plain markup the fixtures use and
the blocks the paper page renders from it.

The markup is deliberately small, so a secretariat can edit it in the admin: blocks are apart
by a blank line; a block of lines that all start with "- " is a bulleted list; a line starting
with "### " is a sub-heading; any other block is a paragraph whose single line breaks are kept.
"""

from dataclasses import dataclass
from dataclasses import field

LIST_ITEM = "- "
SUB_HEADING = "### "


@dataclass
class Block:
    kind: str  # "heading", "list" or "paragraph"
    text: str = ""
    items: list = field(default_factory=list)


def blocks(body):
    """The blocks of one section's body, in order."""
    result = []
    for chunk in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in chunk.strip("\n").splitlines() if line.strip()]
        if not lines:
            continue
        if len(lines) == 1 and lines[0].startswith(SUB_HEADING):
            result.append(Block("heading", lines[0].removeprefix(SUB_HEADING).strip()))
        elif all(line.startswith(LIST_ITEM) for line in lines):
            result.append(Block("list", items=[line[len(LIST_ITEM) :].strip() for line in lines]))
        else:
            result.append(Block("paragraph", "\n".join(lines)))
    return result


def plain_text(body):
    """The body without markup, as a reader sees it: for search and snippets."""
    parts = []
    for block in blocks(body):
        parts.extend(block.items if block.kind == "list" else [block.text])
    return "\n".join(parts)
