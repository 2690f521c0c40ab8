"""The CloudEvents codec: every way PTS reads or writes a CloudEvent on the wire.

- `modes`: which content mode an HTTP message is in (binary, structured, batch);
- `decode`: a request's raw events, in every mode, with the request limits;
- `encode`: an event as a binary, structured or batched HTTP message;
- `percent`: the percent-coding of binary-mode header values (HTTP binding 3.1.3.2);
- `event`: an event (a validated Envelope or a stored row) in CloudEvents' JSON format.

An event here is a dict in CloudEvents' JSON format: attributes, extensions, and `data` or
`data_base64`. Decoded by PTS itself rather than by the cloudevents SDK, whose parser turns
extension values into strings and guesses the data's type from its looks: the log must keep
what was sent exactly as sent.
"""
