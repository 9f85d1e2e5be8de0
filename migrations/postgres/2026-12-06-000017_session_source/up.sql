-- Where a browser session was started, approximately (issue 18: the account page's sessions): the network cut to
-- its /24 or /48 and the browser named by well-known User-Agent tokens, e.g. '192.0.2.0/24 · Firefox on Linux'.
-- NULL for sessions started before this column.
ALTER TABLE sessions ADD COLUMN source TEXT;
