"""``infrac diff``: what a change will do, per stack and resource, before anything deploys.

Offline, against the last build (``infra.lock``'s record, or a build's output folder) or
deployed templates:

- :mod:`.sides`: the two sides, from the sources, a lock, an output folder or deployed templates;
- :mod:`.canon`: values compared by meaning, and shown as the sources write them;
- :mod:`.engine` and :mod:`.replace`: the diff (:mod:`.model`), with CloudFormation's rules of
  replacement and deletion;
- :mod:`.blame`: where in the sources each change comes from;
- :mod:`.render`: the terminal view and Markdown; :mod:`.document`: the versioned JSON, and
  applying it to templates; :mod:`.annotations`: SARIF and GitHub annotations.
"""
