"""Briefs: the catalogue turned into a short, sourced text for a meeting or a publication.

`scope.build_scope` (a region, a country, a theme ...) and `record.build_record` (one event,
Action or practice) gather what a brief says as plain data, the variables the README documents
for custom templates; `render.render` writes it through a Jinja2 template. The same catalogue and
arguments give the same brief, byte for byte: every list is sorted, and the date it was compiled
is the catalogue's last change (or --date), never the clock. A brief also says how new its
sources are: a reader must not take 2018 facts as current.
"""
