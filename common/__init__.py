"""What every folder imports and that imports none of them: settings (one place for all
configuration), log setup with personal data masked, and the redaction of personal data.

The layers read bottom to top: common -> knowledge -> store -> answering -> actions -> bot ->
server -> dvcbot (the command line, the supervisor, training), which may import everything."""
