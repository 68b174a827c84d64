"""The pages: every server-rendered screen over the domain apps, with one page guard."""
