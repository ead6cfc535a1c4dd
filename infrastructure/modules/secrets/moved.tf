# State moves from before the key moved into modules/kms: existing keys keep
# their identity instead of being replaced. Drop this file once every
# environment has applied a plan with it.

moved {
  from = aws_kms_key.this
  to   = module.kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.kms.aws_kms_alias.this[0]
}
