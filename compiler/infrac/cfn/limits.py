"""The limits and rules that AWS enforces at deploy time, in one place.

Each number carries the AWS documentation page that states it. Checks import
them from here; nothing else in the compiler writes these numbers down.
"""

import re

# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
MAX_RESOURCES_PER_TEMPLATE = 500
MAX_OUTPUTS_PER_TEMPLATE = 200
MAX_PARAMETERS_PER_TEMPLATE = 200
# Template body passed in the request (TemplateBody): 51,200 bytes.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
MAX_TEMPLATE_BODY_INLINE = 51_200
# Template body uploaded to S3 (TemplateURL): "1 MB"; counted as 1,000,000 bytes, as cfn-lint does.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
MAX_TEMPLATE_BODY_S3 = 1_000_000
# A stack at this share of a quota gets a warning (W0910): a choice of infrac, not an AWS number.
NEAR_QUOTA = 0.9
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html
LOGICAL_ID = re.compile(r"[A-Za-z0-9]{1,255}")
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html
EXPORT_NAME = re.compile(r"[A-Za-z0-9:-]{1,255}")
MAX_EXPORT_NAME = 255
# https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html (StackName);
# the Serverless Framework's service names (`^[a-zA-Z][0-9a-zA-Z-]+$`) need a second character.
STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{1,127}")

# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-secondary-indexes
MAX_GLOBAL_INDEXES = 20
MAX_LOCAL_INDEXES = 5

# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
SQS_MAX_NAME = 80  # including the `.fifo` suffix
SQS_MIN_RETENTION = 60
SQS_MAX_RETENTION = 14 * 86400
SQS_DEFAULT_RETENTION = 4 * 86400
SQS_MAX_VISIBILITY_TIMEOUT = 12 * 3600
SQS_MAX_DELAY = 15 * 60
SQS_MAX_RECEIVE_WAIT = 20
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
SQS_MIN_MAX_RECEIVES = 1
SQS_MAX_MAX_RECEIVES = 1000

# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
MAX_RULE_TARGETS = 5
# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html
EVENTS_MAX_RETRY_ATTEMPTS = 185
EVENTS_MIN_EVENT_AGE, EVENTS_MAX_EVENT_AGE = 60, 86400

# What CloudFormation's pseudo parameters look like, to check names that hold them
# (an account ID is 12 digits: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html)
PSEUDO_PARAMETER_SAMPLES = {
    "account": "123456789012",
    "partition": "aws",
    "url_suffix": "amazonaws.com",
    # Long ones, so that a name that fits with them fits in most deploys: the longest region
    # names are 14 characters, and a stack name is the project's stack and stage.
    "aws_region": "ap-southeast-2",
    "stack_name": "infrastructure-stack-prod",
    "stack_id": "arn:aws:cloudformation:ap-southeast-2:123456789012:stack/infrastructure-stack-prod/"
    "c0a3ba40-5fb4-11ef-8a33-0a0b1c2d3e4f",
}
