# Lock table for dynamo-dlm (partition key resource_id, no sort key, on-demand capacity, TTL on
# the ttl attribute) and a least-privilege policy for the processes that take locks.

variable "table_name" {
  type        = string
  default     = "dynamo_dlm_locks" # the library's default; pass tableName / --table for another
  description = "Name of the lock table."
}

variable "lock_prefix" {
  type        = string
  default     = "billing-"
  description = "Resource ids the lock-user policy may lock (dynamodb:LeadingKeys)."
}

resource "aws_dynamodb_table" "locks" {
  name         = var.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "resource_id"

  attribute {
    name = "resource_id"
    type = "S"
  }

  # Epoch seconds. DynamoDB deletes an item some time after this passes: a released or abandoned
  # lock stays for `retention` (one day by default) so fencing tokens keep counting.
  ttl {
    attribute_name = "ttl"
    enabled        = true
  }
}

# Everything a process needs to acquire, renew (extend) and release: one action, UpdateItem.
# The lock never reads and never uses PutItem or DeleteItem.
data "aws_iam_policy_document" "lock_user" {
  statement {
    sid       = "TakeRenewReleaseLocks"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.locks.arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["${var.lock_prefix}*"]
    }
  }
}

resource "aws_iam_policy" "lock_user" {
  name        = "dynamo-dlm-lock-user"
  description = "Take, renew and release dynamo-dlm locks whose resource id starts with ${var.lock_prefix}"
  policy      = data.aws_iam_policy_document.lock_user.json
}

# For operators using the CLI's read and escape-hatch commands (status, list, release --force).
data "aws_iam_policy_document" "lock_operator" {
  statement {
    sid       = "InspectAndForceRelease"
    actions   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.locks.arn]
  }
}

resource "aws_iam_policy" "lock_operator" {
  name        = "dynamo-dlm-lock-operator"
  description = "Inspect dynamo-dlm locks (status, list) and force-release them"
  policy      = data.aws_iam_policy_document.lock_operator.json
}

output "lock_table_name" {
  value = aws_dynamodb_table.locks.name
}

output "lock_table_arn" {
  value = aws_dynamodb_table.locks.arn
}

output "lock_user_policy_arn" {
  value = aws_iam_policy.lock_user.arn
}
