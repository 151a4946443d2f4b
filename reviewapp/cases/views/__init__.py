"""The nurse's pages, one module per page: the work queue, intake, the case checklist (with its
facts and answers), evidence, and the case actions with a short form (claim, pend, resume, refer).

Shape: access -> form -> service -> respond. htmx requests get the fragment (and out-of-band
updates of the result and timeline); plain requests get a redirect back to the case page.
"""
