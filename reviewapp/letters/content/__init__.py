"""What letters say: fixed wording, per-line-of-business blocks, taglines, glossary, and the
assembly of one letter's content from its record.

Nothing here renders a PDF (``letters.rendering`` does) or writes anything (``letters.services``
does). A letter kind is a builder that returns a ``LetterContent``: the body template, the context
it reads, and how it is printed. Determination letters and extension notices are built in
``letters.content.notices``; another kind (an appeal decision) adds its own builder and body
template and reuses the shared blocks (letterhead, rights, nondiscrimination notice, taglines,
glossary, signature).

The regulatory elements are written in our own words; each template block cites the rule it
meets in a template comment, never in the letter.
"""
