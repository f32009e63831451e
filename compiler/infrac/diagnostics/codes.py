"""The registry of diagnostic codes, one entry per code with its documentation (data: exempt from the module-size limit).

``docs/diagnostics.md`` is generated from this table (``make docs``), and
``infrac explain CODE`` prints one entry, ``infrac explain --list`` every code by area.
A code is E (error) or W (warning) and four digits; the first two are its area, the
part of infrac that finds it (:data:`AREAS`): E04xx and W04xx are both about references.
"""

from __future__ import annotations

from infrac.base.classes import frozen
from infrac.diagnostics.severity import Severity

E, W = Severity.ERROR, Severity.WARNING


@frozen
class Code:
    code: str
    severity: Severity
    title: str
    explanation: str
    example: str = ""
    fix: str = ""


_ENTRIES = [
    # ---- reading the project ---------------------------------------------------
    Code(
        "E0001", E, "cannot read a source file",
        "A `.infra` file could not be read: it is missing, unreadable, or not UTF-8 text.",
        fix="Check the path and the file's encoding (UTF-8).",
    ),
    Code(
        "E0002", E, "no .infra files found",
        "The path given to the command holds no `.infra` file, so there is nothing to compile.",
        fix="Point the command at the folder that holds the project, e.g. `infrac check infra.dsl`.",
    ),
    Code(
        "E0003", E, "a source outside the project",
        "A `.infra` file in the project is a symbolic link to a file outside the project's "
        "folder. infrac reads sources only from inside the project, so that a link planted in "
        "it cannot make a build read (and print excerpts of) files elsewhere.",
        fix="Copy the file into the project, or point the command at the folder that holds it.",
    ),
    Code(
        "E0004", E, "the output folder cannot be written",
        "`--out` names a file, a folder that cannot be created or written, or a place where the "
        "build cannot put its files; or `infra.lock`, beside the sources, cannot be written. A "
        "build replaces its output folder whole and then removes the previous one, so every "
        "folder of the previous output must be one it can read and write: this is checked before "
        "anything changes. The message names the path at fault. Nothing was written.",
        example="infrac build --out main.infra",
        fix="Choose a folder you can write to for `--out`.",
    ),
    Code(
        "E0005", E, "the output folder holds files infrac did not write",
        "A build replaces its output folder whole, keeping the files that it did not write. It "
        "stops, changing nothing, when the folder is not one of its own (it holds files but no "
        "manifest), when the manifest `.infrac-manifest.json` is not one it wrote (infrac deletes "
        "nothing on the word of a manifest it cannot trust), or when a file it would write is "
        "there already but was not written by infrac, or was changed since.",
        fix="Choose an empty or new folder for `--out`, or remove the folder if it holds only an "
        "old build; move edits of generated files into the sources.",
    ),
    Code(
        "E0006", E, "infra.lock cannot be read",
        "`infra.lock` records the exports other stacks import, and protects them from being "
        "removed. A lock that is not a file, not JSON, or not of the shape infrac writes stops the "
        "build instead of being ignored, which would drop that protection silently.",
        example='{"exports": 5}',
        fix="Restore `infra.lock` from version control. Delete it only if no deployed stack "
        "imports this project's exports; the next build writes a new one.",
    ),
    # ---- syntax ---------------------------------------------------------------------
    Code(
        "E0101", E, "unexpected token",
        "The parser met a word or symbol that cannot stand at this place. The message says "
        "what the language allows here.",
        example='table Users {\n  billing on_demand   # `=` is missing\n}',
        fix="Insert or remove what the message names; `infrac fmt` shows the canonical layout.",
    ),
    Code(
        "E0102", E, "unexpected character",
        "A character that no token of the language starts with, such as `@` or `;`.",
        example="name = users;",
        fix="Remove the character, or put the text in double quotes if it is part of a string.",
    ),
    Code(
        "E0103", E, "unterminated string",
        "A string opened with `\"` is not closed on the same line. Strings are one line long.",
        example='name = "core-{stage}-users',
        fix="Close the string with `\"` before the end of the line.",
    ),
    Code(
        "E0104", E, "invalid escape in a string",
        "Inside a string, a backslash starts an escape: `\\\"`, `\\\\`, `\\n`, `\\t` or "
        "`\\u{HEX}`. Any other character after a backslash is an error.",
        example='name = "C:\\data"',
        fix="Write `\\\\` for a literal backslash.",
    ),
    Code(
        "E0105", E, "unknown unit",
        "A number carries a unit the language does not know. Durations use `s`, `m`, `h`, "
        "`d`; sizes use `B`, `KB`, `MB`, `GB`, `KiB`, `MiB`, `GiB`.",
        example="retention = 4days",
        fix="Use one of the listed units: `retention = 4d`.",
    ),
    Code(
        "E0106", E, "unexpected end of file",
        "The file ends while a block, list or map is still open.",
        example="stack core {\n  table Users {\n    key = { id: string }\n  }",
        fix="Close every `{` and `[`; the diagnostic points at the one left open.",
    ),
    Code(
        "E0107", E, "nested too deeply",
        "Blocks, lists and maps may nest 64 levels deep. No resource needs more, and the limit "
        "keeps every stage of the compiler safe from runaway input.",
        fix="Flatten the structure.",
    ),
    # ---- structure ------------------------------------------------------------------
    Code(
        "E0201", E, "more than one project block",
        "A project has exactly one `project` block holding its settings, in any one of its "
        "files. A second one would make the settings ambiguous.",
        fix="Merge the settings into one `project` block and delete the other.",
    ),
    Code(
        "E0202", E, "declared twice",
        "Two declarations share a name where names must be unique: two resources in one "
        "stack (possibly in different files), two indexes of one table, or the same "
        "attribute set twice in one block.",
        example="table Users { ... }\ntable Users { ... }",
        fix="Rename or delete one of the two; the diagnostic points at both.",
    ),
    Code(
        "E0203", E, "unknown block kind",
        "The first word of a block names what it declares (`table`, `resource`, `index`...). "
        "This one is not a kind the language knows at this place.",
        example="stack data {\n  tabel Users { ... }\n}",
        fix="Use one of the kinds the message lists; for any other CloudFormation type use "
        '`resource "AWS::Service::Type" Name { properties = { ... } }`.',
    ),
    Code(
        "E0204", E, "unknown attribute",
        "The attribute is not one that this kind of block has.",
        example="table Users {\n  bilingmode = on_demand\n}",
        fix="Use an attribute of the kind; the hint suggests the closest one.",
    ),
    Code(
        "E0205", E, "missing attribute",
        "The block lacks an attribute that it needs, such as a table's `key`.",
        example="table Users {\n  billing = on_demand\n}",
        fix="Add the attribute the message names.",
    ),
    Code(
        "E0206", E, "wrong block header",
        "The words between a block's kind and its `{` are its labels: its name, and for some "
        "kinds a type. This block has too many, too few, or the wrong sort.",
        example='table { ... }          # a table needs a name: table Users { ... }',
        fix="Write the header as the message shows.",
    ),
    Code(
        "E0207", E, "statement not allowed here",
        "Some statements belong only in some places: `export` in a resource, `uses` in a "
        "stack, resources in a stack, settings in the project block.",
        example="project shop {\n  export name\n}",
        fix="Move the statement into the block where it belongs.",
    ),
    Code(
        "E0208", E, "invalid logical ID",
        "CloudFormation logical IDs are 1-255 letters and digits (`[A-Za-z0-9]`) and unique "
        "in a template. A resource's logical ID is its name unless `id = ...` sets it.",
        example="table user_sessions { ... }",
        fix="Name the resource in PascalCase (`UserSessions`), or keep today's ID with "
        "`id = UserSessionsTable`.",
    ),
    Code(
        "E0209", E, "invalid stack name",
        "A stack's name becomes a CloudFormation stack and Serverless service name: it must "
        "start with a letter and hold only letters, digits and hyphens, 2 to 128 characters.",
        example="stack core_api { ... }",
        fix="Use hyphens instead of underscores: `stack core-api`.",
    ),
    # ---- values and types ---------------------------------------------------------------
    Code(
        "E0301", E, "wrong type of value",
        "The attribute expects another type of value: a string, a number, a duration, a "
        "list, a map, a name from a fixed set...",
        example="pitr = yes            # a boolean: true or false",
        fix="Write a value of the type the message names.",
    ),
    Code(
        "E0302", E, "unknown choice",
        "The attribute takes one name from a fixed set, and this is not one of them.",
        example="billing = ondemand",
        fix="Use one of the names listed in the hint: `billing = on_demand`.",
    ),
    Code(
        "E0303", E, "value out of range",
        "The value has the right type but lies outside what the attribute accepts.",
        example="capacity = { read: 0, write: 5 }",
        fix="Use a value in the range the message gives.",
    ),
    Code(
        "E0310", E, "number too long",
        "A number has more than 100 digits. No AWS setting takes one (the largest have 20 "
        "digits), and very long numbers would cost time to convert.",
        example="capacity = 1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        fix="Write the number AWS expects; an identifier made of digits is written as a string.",
    ),
    Code(
        "E0311", E, "a retired reason that cannot be written literally",
        "An export's `retired` reason goes into its output's description, which CloudFormation "
        "takes only as literal text. The Serverless Framework reads `${...}` in it as a variable; "
        "infrac escapes that, except after `$$` or `$\\`, which the framework cannot read back.",
        example='export arn { retired = "costs $$${env:X}" }',
        fix="Reword the reason: a space after the `$` will do.",
    ),
    Code(
        "E0312", E, "a stack's path cannot be used",
        "A consumer stack's `path` says where its own Serverless service lives, relative to the "
        "file that declares it; infrac writes it into `serverless-compose.yml` relative to the "
        "output folder. An absolute path (the project could not move), a backslash, a `$` (the "
        "Serverless Framework would read a variable) or control characters are refused.",
        example='stack core {\n  path = "/home/me/core"\n}',
        fix='Write the folder relative to the .infra file: `path = "../services/core"`.',
    ),
    Code(
        "E0304", E, "unknown placeholder in a string",
        "Strings may contain placeholders in braces, replaced at build time: `{project}`, "
        "`{stage}`, `{stack}`, `{region}`. This one is not among them. A literal brace is "
        "written twice: `{{`.",
        example='name = "{service}-{stage}-users"',
        fix='Use a known placeholder, or write the text itself: `name = "core-{stage}-users"`.',
    ),
    # ---- references ---------------------------------------------------------------------------
    Code(
        "E0401", E, "unknown stack",
        "A reference names a stack that no file of the project declares.",
        example="uses infrastructure-dynamodbb.Users { read }",
        fix="Correct the name (the hint suggests the closest one), or declare the stack.",
    ),
    Code(
        "E0402", E, "unknown resource",
        "A reference names a resource that its stack does not declare.",
        example="uses infrastructure-dynamodb.Userz { read }",
        fix="Correct the name (the hint suggests the closest one), or declare the resource.",
    ),
    Code(
        "E0403", E, "unknown attribute of a resource",
        "A reference names an attribute that resources of this kind do not have.",
        example="properties = { Table: data.Users.url }    # tables have name, arn, stream_arn",
        fix="Use one of the attributes the hint lists.",
    ),
    Code(
        "E0404", E, "attribute not exported",
        "A reference from another stack can only use what the resource exports: across "
        "stacks, a value travels as a CloudFormation export and `Fn::ImportValue`.",
        example="stack data { table Users { ... export name } }\n"
        "stack app  { ... data.Users.arn ... }",
        fix="Add the attribute to the resource's `export` list: `export name, arn`.",
    ),
    Code(
        "E0405", E, "malformed reference",
        "A reference is `stack.Resource.attribute`, or `Resource.attribute` inside the same "
        "stack; `uses` takes `stack.Resource`.",
        example="uses Users { read }",
        fix="Name the stack and the resource: `uses data.Users { read }`.",
    ),
    Code(
        "E0406", E, "wrong kind of resource",
        "The attribute or block names a resource of the project, but of another kind than it "
        "needs: a rule's `bus` must be a `bus`, a `dead_letter` a `queue`.",
        example="rule OrderPlaced {\n  bus = OrdersTable\n}",
        fix="Name a resource of the kind the message says.",
    ),
    Code(
        "E0407", E, "stacks import from each other in a cycle",
        "Each stack deploys after the stacks it imports from. When stacks import from each other "
        "in a cycle, none of them can deploy first: CloudFormation refuses an import of an export "
        "that does not exist yet.",
        example="stack a { ... b.Queue.arn ... }\nstack b { ... a.Table.arn ... }",
        fix="Move what both sides need into a stack of its own that both import from.",
    ),
    # ---- exports ---------------------------------------------------------------------------------
    Code(
        "E0501", E, "attribute cannot be exported",
        "Only attributes that the resource type really has can be exported.",
        example="table Users { ... export url }",
        fix="Export one of the attributes the hint lists.",
    ),
    Code(
        "E0502", E, "illegal export name",
        "CloudFormation export names hold only letters, digits, `:` and `-`, and at most 255 "
        "characters; the stack that declares such an export fails to deploy.",
        example='project shop { exports = "{stack}_{resource}_{attribute}" }',
        fix="Change the project's `exports` pattern (or the names it is built from).",
    ),
    Code(
        "E0503", E, "duplicate export name",
        "Export names are unique per account and region. Two exports of the project produce "
        "the same name, so the second stack to deploy would fail.",
        fix="Make the `exports` pattern include `{stack}` and `{resource}`, or rename one "
        "of the resources.",
    ),
    Code(
        "E0504", E, "an imported export would be removed",
        "`infra.lock` records that another stack imports this export, and this version of the "
        "project no longer publishes it (the attribute left the `export` list, the resource or "
        "stack was removed or renamed, or the export pattern changed). CloudFormation would refuse "
        "to update the exporting stack: \"Export ... cannot be deleted as it is in use by ...\".",
        example="table Users {\n  export arn        # `name` was exported, and core imports it\n}",
        fix="Keep the export one more release, marked `export name { retired = \"...\" }`; move the "
        "importers off it and deploy them; then remove it. `--allow-breaking` accepts the change when "
        "the importers are really gone.",
    ),
    Code(
        "E0505", E, "an export would move to another stack",
        "`infra.lock` records this export name in another stack. CloudFormation refuses an export "
        "name that another stack still exports, and the old stack cannot drop it while it is "
        "imported, so the move cannot deploy in one step.",
        fix="Export the value under a new name from the new stack, move the importers, then remove "
        "the old export; or pass `--allow-breaking` for a deliberate move.",
    ),
    # ---- AWS rules ---------------------------------------------------------------------------------
    Code(
        "E0601", E, "invalid DynamoDB table",
        "The table breaks a rule that DynamoDB enforces at deploy time: its name (3-255 "
        "characters of `[A-Za-z0-9_.-]`), its key (a partition key and at most one sort key), "
        "its indexes (at most 20 global and 5 local; local ones need a sort key on the table), "
        "or its capacity (provisioned tables need it, on-demand ones must not have it).",
        fix="Follow the message; each rule links to the AWS documentation in the source.",
    ),
    Code(
        "E0602", E, "conflicting key attribute types",
        "A key attribute used by the table and its indexes must have one type: DynamoDB "
        "declares each attribute once in `AttributeDefinitions`.",
        example="key = { id: string }\nindex ById { key = { id: number } }",
        fix="Give the attribute the same type everywhere.",
    ),
    Code(
        "E0603", E, "invalid SQS queue",
        "The queue breaks a rule SQS enforces at deploy time: its name (at most 80 characters of "
        "letters, digits, `-` and `_`; a FIFO queue's ends in `.fifo`, which counts, and a standard "
        "queue's does not), or an option only FIFO queues have (content-based deduplication).",
        example='queue Orders {\n  name = "shop-{stage}-orders"\n  fifo = true\n}',
        fix='Follow the message: `name = "shop-{stage}-orders.fifo"`.',
    ),
    Code(
        "E0604", E, "invalid S3 bucket",
        "The bucket breaks a rule S3 enforces at deploy time: its name (3-63 characters of lower-case "
        "letters, digits, `.` and `-`, starting and ending with a letter or digit, not like an IP "
        "address), or a lifecycle rule (periods in whole days, at least one action).",
        example='bucket Uploads {\n  name = "Shop_Uploads"\n}',
        fix='Follow the message: `name = "shop-{stage}-uploads"`.',
    ),
    Code(
        "E0605", E, "invalid EventBridge rule",
        "The rule breaks a rule EventBridge enforces: a pattern or a schedule (one of them), at "
        "most 5 targets, a message group for every FIFO queue target and only for those, an ARN "
        "for a target that is not a resource of the project.",
        example='rule OrderPlaced {\n  pattern = { source: ["shop"] }\n  target queues.Orders {}   # a FIFO queue\n}',
        fix='Follow the message: `target queues.Orders { message_group = "orders" }`.',
    ),
    Code(
        "E0610", E, "a secret would be published",
        "A secret attribute (an app client's `client_secret`, an access key's `secret_access_key`, "
        "...) is exported or written to a consumer's `environment` or `values`. An export is "
        "readable by every stack in the account and region, and an environment by anyone who can "
        "read the function's configuration. The list of secret attributes is in "
        "`infrac/cfn/secrets.py`; it applies whatever block declared the resource.",
        example='resource "AWS::Cognito::UserPoolClient" Web {\n  properties = { UserPoolId: Pool.id, GenerateSecret: true }\n  export client_secret\n}',
        fix="Keep the secret in its stack (store it in Secrets Manager there) and share the "
        "secret's ARN; the code reads the value at run time.",
    ),
    Code(
        "E0611", E, "a secret written in clear",
        "A property that holds a password or a key (`MasterUserPassword`, `Password`, `AuthToken`, "
        "`SecretString`, ...) is given as literal text, which would be stored in the template, the "
        "repository and CloudFormation's console.",
        example='resource "AWS::RDS::DBInstance" Db {\n  properties = { MasterUserPassword: "hunter2" }\n}',
        fix='Use a dynamic reference that CloudFormation resolves at deploy time: '
        '`"{{{{resolve:secretsmanager:db-credentials:SecretString:password}}}}"` (braces are doubled '
        "in .infra strings), or let the service manage the password (`ManageMasterUserPassword`).",
    ),
    # ---- migration: reading Serverless services and CloudFormation templates (E08xx) ------------
    Code(
        "E0800", E, "cannot read a template",
        "A file given to `infrac import` could not be read: it is missing, unreadable, or not UTF-8 text.",
        fix="Check the path and the file's encoding (UTF-8).",
    ),
    Code(
        "E0801", E, "invalid YAML or JSON",
        "The file is not well-formed YAML (or JSON, when it starts with `{`). The position is where "
        "the reader gave up, which may be after the actual mistake (an indentation or a quote).",
        example="Resources:\n  Users:\n    Type: AWS::DynamoDB::Table\n   Properties: {}",
        fix="Fix the syntax at or before the position shown.",
    ),
    Code(
        "E0802", E, "not a valid template",
        "The file is YAML, but not shaped like a CloudFormation template or a Serverless service: "
        "a section that is not a mapping, a resource without `Type`, an unknown resource attribute, "
        "an output without `Value`, a logical ID that is not alphanumeric.",
        example="Resources:\n  Users:\n    Properties: {}",
        fix="Follow the message; CloudFormation itself would refuse the template.",
    ),
    Code(
        "E0803", E, "unknown YAML tag or value",
        "A YAML tag that is not one of CloudFormation's short forms (`!Ref`, `!GetAtt`, `!Sub`, ...), "
        "or a value a template cannot hold (binary data). Templates are read with a safe loader: "
        "no tag can make the reader build other objects.",
        example="Value: !Reference UsersTable",
        fix="Use a short form CloudFormation knows, or its long form (`Ref: UsersTable`).",
    ),
    Code(
        "E0804", E, "cannot resolve a Serverless variable",
        "The importer resolves `${self:...}`, `${sls:stage}`, `${opt:stage, ...}`, `${aws:region}` "
        "and `${aws:accountId}` offline. Others (`${env:...}`, `${ssm:...}`, `${cf:...}`, `${file(...)}`) "
        "are only known when the service is deployed, a `${self:...}` may name nothing, or "
        "variables may refer to each other in a cycle.",
        example="TableName: ${env:TABLE_NAME}",
        fix="Write the value itself, or give a fallback the importer can use: `${env:TABLE_NAME, 'users'}`.",
    ),
    Code(
        "E0805", E, "key given twice",
        "A mapping gives the same key twice. YAML and JSON readers disagree on which one wins "
        "(CloudFormation refuses the template), so the importer refuses to guess.",
        example="Properties:\n  TableName: a\n  TableName: b",
        fix="Keep one of the two.",
    ),
    Code(
        "E0806", E, "template too large or too deeply nested",
        "The file is beyond what the importer reads: more than 2 MiB (twice CloudFormation's own "
        "limit on a template), more than 200000 values once anchors and aliases are expanded, "
        "values nested more than 100 levels deep, a number of more than 40 characters, more than "
        "5000 resources, or Serverless variables that expand to more than 2,000,000 characters. "
        "Anchors, aliases and variables that use other variables can make a small file expand to "
        "a huge one; the limits keep the import's time and memory in proportion to the file.",
        example="a: &a [x, x, x]\nb: &b [*a, *a, *a]\n...",
        fix="Write the values out without aliases or nested variables, and quote a long number that "
            "is text; real templates are far below these limits.",
    ),
    # ---- parameters, conditions and functions (E0210, E032x, E041x) -----------------------------
    Code(
        "E0210", E, "reserved parameter name",
        "`Stage` is the parameter the CloudFormation target writes for the stage (`{stage}` in "
        "strings), so a stack cannot declare its own.",
        example="parameter Stage { type = string }",
        fix='Write "{stage}" where the stage is meant, or give the parameter another name.',
    ),
    Code(
        "E0320", E, "unknown function",
        "A value written `name(...)` calls one of CloudFormation's functions by its name in the "
        "language: `if`, `equals`, `not`, `and`, `or`, `param`, `no_value`, `sub`, `join`, "
        "`select`, `split`, `base64`, `import_value`, `get_azs`, `cidr`.",
        example='properties = { Size: iff(IsProd, 3, 1) }',
        fix="Use one of the functions listed; the message suggests the closest.",
    ),
    Code(
        "E0321", E, "wrong number of arguments",
        "Each function takes a fixed number of arguments: `if(condition, then, else)`, "
        "`equals(a, b)`, `not(condition)`, `and`/`or` 2 to 10 conditions, `param(Name)`, "
        "`no_value()`, `sub(text)` or `sub(text, { variables })`.",
        example="properties = { Size: if(IsProd, 3) }",
        fix="Give the arguments the message's signature shows.",
    ),
    Code(
        "E0322", E, "wrong kind of argument",
        "An argument is not of the kind the function needs: `if`, `not`, `and` and `or` take "
        "conditions (a condition's name, or a condition function), `param` the name of a parameter, "
        "`sub` a string and a map of variables; a stack's `conditions` must each be `equals`, "
        "`not`, `and` or `or`.",
        example='conditions = { IsProd: "prod" }',
        fix='Write a condition function: `conditions = { IsProd: equals(param(Env), "prod") }`.',
    ),
    Code(
        "E0323", E, "default not among the allowed values",
        "A parameter's `default` must be one of its `allowed` values, or CloudFormation refuses "
        "every deploy that relies on the default.",
        example='parameter Env {\n  type    = string\n  default = "qa"\n  allowed = ["dev", "prod"]\n}',
        fix="Make the default one of the allowed values, or add it to them.",
    ),
    Code(
        "E0410", E, "unknown parameter",
        "`param(Name)` names no `parameter` block of the stack. Parameters belong to one stack; "
        "another stack's values travel as exports.",
        example='properties = { Name: param(Enviroment) }',
        fix="Declare the parameter in the stack, or correct the name.",
    ),
    Code(
        "E0411", E, "unknown condition",
        "A condition's name (in `condition = ...`, `if(...)`, `not(...)`, `and(...)`, `or(...)`) "
        "is not a key of the stack's `conditions`.",
        example="condition = IsProduction",
        fix="Declare it in the stack's `conditions`, or correct the name.",
    ),
    Code(
        "E0413", E, "unknown mapping or mapping key",
        "`find_in_map(Map, key, key)` names a mapping that is not a key of the stack's `mappings`, "
        "or literal keys the mapping does not hold (CloudFormation refuses the template).",
        example='find_in_map(Images, aws_region(), "Ami")   # no `mappings = { Images: ... }`',
        fix="Declare the mapping (or the key) in the stack's `mappings`, or correct the name.",
    ),
    Code(
        "E0412", E, "conditions or dependencies in a cycle",
        "A condition refers to itself through others, or a resource lists itself in `depends_on`: "
        "CloudFormation could never evaluate or create it.",
        example="conditions = { A: not(B), B: not(A) }",
        fix="Break the cycle.",
    ),
    # ---- migration: importing (E081x) -----------------------------------------------------------
    Code(
        "E0810", E, "cannot be expressed in the language",
        "The template holds a construct the language has no form for: `Mappings` and "
        "`Fn::FindInMap`, `Transform` (macros, SAM), `CreationPolicy`/`UpdatePolicy`, "
        "`RetainExceptOnCreate`, `AWS::StackId`, a reference to a resource the template does "
        "not declare (one the Serverless Framework generates), an output that is not a resource's "
        "attribute, `null`. Nothing is imported, so nothing is dropped silently.",
        example="Properties:\n  ImageId: !FindInMap [Images, !Ref AWS::Region, Id]",
        fix="Rewrite the value in a form the language has (a parameter, `if`, a literal), or leave "
        "the resource out of the template you import and keep it where it is.",
    ),
    Code(
        "E0811", E, "logical ID used twice",
        "Two imported templates put resources with the same logical ID into one stack, where "
        "logical IDs must be unique.",
        example="infrac import a.yml b.yml --split-by type   # both declare UsersTable",
        fix="Import the templates separately, or rename one of the resources.",
    ),
    Code(
        "E0812", E, "cannot write the import",
        "`infrac import` writes into a folder only when it is empty or holds a previous import "
        "(its `.infrac-import.json`), so that no file of yours is overwritten; or a consumer's new "
        "service file would replace a file that exists.",
        example="infrac import serverless.yml --out src/   # src/ holds other files",
        fix="Choose an empty folder, or remove the files named.",
    ),
    Code(
        "E0813", E, "the import would not rebuild the template exactly",
        "The importer compiles what it wrote and compares every resource with the template's. "
        "A resource that would not come out the same (or does not compile, such as a name AWS "
        "would refuse) is reported instead of written.",
        example="TableName: 'a'   # too short for DynamoDB",
        fix="Follow the note; fix the template, or leave the resource out of the import.",
    ),
    Code(
        "E0814", E, "invalid mapping file",
        "`infrac import --map FILE` reads a YAML mapping from resource types (`AWS::SQS::Queue`, "
        "or `AWS::SQS::*` for a whole service) to the stacks that should hold them.",
        example="AWS::DynamoDB::Table: data\nAWS::SQS::*: 42",
        fix="Write one `Type: stack-name` line per type; stack names are letters, digits and hyphens.",
    ),
    Code(
        "E0815", E, "not an AWS service or template",
        "The input is a Serverless service for another provider (Azure, Google Cloud, OpenWhisk...) "
        "or a file of another tool: nothing in it is CloudFormation, so nothing can be imported.",
        example="provider:\n  name: google",
        fix="Leave the file out of the import; import the AWS services and templates.",
    ),
    Code(
        "E0816", E, "the SAM transform cannot expand the template",
        "A SAM application (`Transform: AWS::Serverless-2016-10-31`) is imported as the CloudFormation "
        "AWS's own translator makes of it; the translator refused the template (as `sam validate` "
        "and a deploy would), or is not installed (the `sam` extra).",
        example="Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12",
        fix="Fix what the message names (a function needs a `Handler`...), or install `infrac[sam]`.",
    ),
    Code(
        "W0810", W, "output without export not imported",
        "infrac writes an output for each export; an output without `Export` carries nothing "
        "another stack can import, and is not imported.",
        example="Outputs:\n  TableName:\n    Value: !Ref Users",
        fix="Export the attribute in the `.infra` source if another stack needs it.",
    ),
    Code(
        "W0811", W, "resource stays in the service",
        "The resource refers to something the Serverless Framework generates (the API, a "
        "function's role), so it cannot leave the service file: it stays there, in the new "
        "service file the import writes.",
        example="Authorizer:\n  Properties:\n    RestApiId: { Ref: ApiGatewayRestApi }",
        fix="Nothing to do; move it by hand later if the references change.",
    ),
    Code(
        "W0813", W, "imported from the SAM transform's output",
        "A SAM application is imported as the CloudFormation the SAM transform makes of it: the "
        "resources AWS deploys, with their logical IDs, so that the deployed stack can be planned "
        "and moved; the SAM shorthand (`AWS::Serverless::Function`, `Globals`, events) is not kept. "
        "Code that is still a local folder is given a placeholder S3 location.",
        example="Transform: AWS::Serverless-2016-10-31",
        fix="Nothing, if the expanded resources are what you want to keep; import the packaged "
        "template (`sam package`) to keep the code's deployed location.",
    ),
    # ---- warnings ------------------------------------------------------------------------------------
    # ---- resource types from AWS's schemas, and replacement (E07xx) -----------------
    Code(
        "E0700", E, "unknown resource type",
        "A generic resource names a type that CloudFormation does not have: no resource provider "
        "schema of that name is published. Custom resources (`Custom::...`) are the exception.",
        example='resource "AWS::SNS::Topics" Alerts {}',
        fix="Write the type as the CloudFormation resource reference spells it (`AWS::SNS::Topic`).",
    ),
    Code(
        "E0701", E, "unknown property",
        "A key of a generic resource's `properties`, or of a map inside them, is not one the type's "
        "schema declares (or is a read-only attribute, which CloudFormation sets itself). "
        "CloudFormation would refuse the template.",
        example='resource "AWS::SNS::Topic" Alerts {\n  properties = { TopicNmae: "alerts" }\n}',
        fix="Use the property's name as the schema spells it; the hint suggests the closest one.",
    ),
    Code(
        "E0702", E, "wrong value type for a property",
        "The property expects a string, a number, a boolean, a list or a map, and the value is "
        "another. CloudFormation converts between strings, numbers and booleans, so `\"5\"` is a "
        "number; a list where a string belongs, or a map where a list belongs, is not.",
        example='resource "AWS::SQS::Queue" Jobs {\n  properties = { DelaySeconds: [5] }\n}',
        fix="Write the value in the shape the property takes.",
    ),
    Code(
        "E0703", E, "missing required property",
        "The type's schema requires a property (or a key of a nested map) that is not given.",
        example='resource "AWS::SSM::Parameter" Setting {\n  properties = { Type: "String" }\n}',
        fix="Add the property the message names.",
    ),
    Code(
        "E0704", E, "value not allowed for a property",
        "The property takes one of a fixed set of values (the schema's `enum`), and this is not one.",
        example='resource "AWS::SSM::Parameter" Setting {\n  properties = { Type: "Text", Value: "x" }\n}',
        fix="Use one of the values the hint lists.",
    ),
    Code(
        "E0705", E, "value does not match the property's pattern",
        "The schema gives the property's text a pattern (a regular expression), and the value does "
        "not match it. Values with placeholders are checked at deploy time instead.",
        example='resource "AWS::Logs::LogGroup" Logs {\n  properties = { LogGroupName: "bad name!" }\n}',
        fix="Change the value to fit the pattern the note shows.",
    ),
    Code(
        "E0706", E, "too short or too long",
        "A string has fewer or more characters, or a list fewer or more items, than the property allows.",
        example='resource "AWS::SNS::Topic" Alerts {\n  properties = { TopicName: "" }\n}',
        fix="Shorten or lengthen the value to the bounds the message gives.",
    ),
    Code(
        "E0707", E, "number out of range for a property",
        "The number is below the property's minimum or above its maximum.",
        example='resource "AWS::SQS::Queue" Jobs {\n  properties = { DelaySeconds: 9000 }\n}',
        fix="Use a number in the range the message gives.",
    ),
    Code(
        "E0708", E, "not an attribute of the resource type",
        "A generic resource's attribute is referenced or exported, but the type's schema does not "
        "list it among the attributes `Fn::GetAtt` can read (its `readOnlyProperties`); `ref` is "
        "always there. Write-only properties (a password, a secret string) are never readable.",
        example='resource "AWS::SNS::Topic" Alerts {\n  export topic_nmae\n}',
        fix="Use an attribute the hint lists, in snake_case (`topic_name` for `TopicName`).",
    ),
    Code(
        "E0709", E, "unknown intrinsic function",
        "A one-key map whose key starts with `Fn::` stands for an intrinsic function, and CloudFormation "
        "has none of this name.",
        example='resource "AWS::SNS::Topic" Alerts {\n  properties = { TopicName: { "Fn::Subb": "x" } }\n}',
        fix="Use the function's name as CloudFormation spells it (`Fn::Sub`).",
    ),
    Code(
        "E0630", E, "a queue and its dead-letter queue differ in type",
        "SQS requires a queue and its dead-letter queue to be both FIFO or both standard, and refuses "
        "the redrive policy at deploy time otherwise. infrac checks it whatever blocks declare the two "
        "queues: a `queue` with `dead_letter_queue`, or a generic `AWS::SQS::Queue` whose "
        "`RedrivePolicy` names another queue's ARN.",
        example='queue Orders {\n  fifo = true\n  name = "orders.fifo"\n  dead_letter_queue = Failures   # a standard queue\n  max_receives = 5\n}',
        fix="Make both queues FIFO or both standard, or send the failures to a queue of the same type.",
    ),
    Code(
        "E0631", E, "dead-letter settings that do not go together",
        "A queue sends its failed messages to one dead-letter queue: its own (`dead_letter` block) or a "
        "shared one (`dead_letter_queue = Queue`, which needs `max_receives`). `max_receives` alone "
        "has nowhere to send them.",
        example="queue Orders {\n  dead_letter_queue = SharedFailures\n}",
        fix="Add `max_receives` with `dead_letter_queue`, or keep only one of the two forms.",
    ),
    Code(
        "E0632", E, "two policies for one queue",
        "A queue has a single policy. A queue with `statement` blocks gets its own `AWS::SQS::QueuePolicy`; "
        "a queue that is the target of an EventBridge rule gets the policy infrac derives for the rules. "
        "Both would be written, and whichever is deployed last replaces the other.",
        example='queue Orders {\n  statement AllowAlerts { effect = allow, actions = "sqs:SendMessage" }\n}\nrule R { target Orders {} }',
        fix="Keep the queue's own statements, add the rule's permission to them, and name the queue in the "
        "rule by its `arn`.",
    ),
    Code(
        "E0720", E, "a change replaces a resource that holds data",
        "`infra.lock` records, per resource, the values of the properties that CloudFormation cannot "
        "change in place (the schema's `createOnlyProperties`, and a table's key schema). A change to "
        "one of them, a new type or a new logical ID makes CloudFormation create a new resource and "
        "delete the old one. For a table, a bucket, a queue or a user pool, and for any resource the "
        "source retains, the old one's data is not carried over: this is an error unless the source "
        "says it is intended.",
        example='table Users {\n  key = { email: string }   # was { userId: string }\n}',
        fix='Undo the change (`id = "OldId"` keeps a logical ID), or acknowledge it once the data is safe: '
        '`replace = "users move to the new table by the backfill job"`.',
    ),
    Code(
        "W0720", W, "a change replaces a resource",
        "The change makes CloudFormation create a new resource and delete the old one (a new name, "
        "a create-only property, a new logical ID): its ARN and name may change, and whatever "
        "refers to it by them must follow. A replacement of a resource that holds data is "
        "E0720 instead, or this warning once the source acknowledges it with `replace`.",
        example='resource "AWS::SNS::Topic" Alerts {\n  properties = { TopicName: "alerts-v2" }\n}',
        fix="Undo the change if the resource must stay the same one; otherwise build, and commit `infra.lock`.",
    ),
    Code(
        "W0101", W, "empty stack",
        "The stack declares no resource and imports nothing, so it produces nothing.",
        fix="Add resources, or remove the stack.",
    ),
    Code(
        "W0501", W, "a resource does not export what identifies it",
        "The project asks every resource to export its identifying attributes (names, URLs, IDs "
        "and ARNs; `exports_required = true` in the project block), so that any stack can use it "
        "without a change to the stack that owns it. This one does not export all of them.",
        example="project shop { exports_required = true }\nstack data {\n  table Users { ... export arn }\n}",
        fix="Export the attributes the message lists, or opt the resource out with a reason: "
        '`internal = "only this stack uses it"`.',
    ),
    Code(
        "W0502", W, "a retired export is still imported",
        "The export is marked `retired`: it is on its way out. A stack of the project still imports "
        "it, so removing it now would fail to deploy.",
        fix="Move the importers to the export that replaces it, deploy them, then remove the retired export.",
    ),
    Code(
        "W0601", W, "kept when deleted but not when replaced",
        "`deletion_policy = retain` (or `snapshot`) keeps the resource when it leaves the stack, "
        "but an update that replaces it (a changed table key, a renamed bucket) still deletes "
        "the old one, and its data with it, unless `update_replace_policy` says the same.",
        example="table Users {\n  deletion_policy = retain\n  ...\n}",
        fix="Add `update_replace_policy = retain`.",
    ),
    Code(
        "W0602", W, "dead-letter queue keeps messages too briefly",
        "A message's age counts from when it was first sent, not from when it reached the "
        "dead-letter queue. A dead-letter queue whose retention is not longer than its source "
        "queue's can drop a failed message before anyone looks at it.",
        example="queue Orders {\n  retention = 14d\n  dead_letter OrdersDlq { max_receives = 5, retention = 4d }\n}",
        fix="Give the dead-letter queue the longer retention (14d is the maximum).",
    ),
    # ---- reference strength --------------------------------------------------------------------------
    Code(
        "E0420", E, "malformed reference block",
        "A stack's `reference stack.Resource { strength = weak }` block says how the stack references "
        "another stack's resource (or one attribute: `stack.Resource.attribute`). It names one resource "
        "of another stack, and holds only `strength`.",
        example="stack app {\n  reference Users { strength = weak }\n}",
        fix="Name the stack and the resource: `reference data.Users { strength = weak }`.",
    ),
    Code(
        "W0420", W, "a weak reference gives up protection",
        "A weak reference (`Fn::GetStackOutput`) reads another stack's output without an export. "
        "CloudFormation then lets the other stack change or remove that output at any time, and this "
        "stack learns of it only at its next deploy, which fails or reads the new value; `infra.lock` "
        "does not record it as an import. In exchange the exporting stack is never blocked, and the "
        "reference may cross accounts and regions. infrac still orders the deploys and checks the "
        "reference at build time.",
        example="stack app {\n  reference data.Users { strength = weak }\n}",
        fix="Keep `strong` (the default) unless the exporting stack must stay free to change; use "
        "`both` while consumers move to the weak form, then `weak`; or turn the warning off for the "
        "project (`warnings = { W0420: off }`) once the trade is understood.",
    ),
    # ---- the move plan: `infrac plan-move` (E085x, W085x) --------------------------------------------
    Code(
        "E0850", E, "the move would delete a stateful resource",
        "A deployed stack that the project now builds holds a stateful resource (a table, queue, "
        "bucket, user pool, ...) that the project no longer declares, without `DeletionPolicy: Retain`. "
        "Deploying the project's template would delete the resource and its data, so `infrac "
        "plan-move` refuses to plan it.",
        example="# deployed: infrastructure-sqs holds OrdersQueue\nstack infrastructure-sqs {\n  # OrdersQueue is gone\n}",
        fix="Declare the resource in the project with its logical ID and name, or set `DeletionPolicy: Retain` "
        "on it (and deploy) before removing it.",
    ),
    Code(
        "E0851", E, "the move would replace a stateful resource",
        "The project changes a create-only property (per the type's CloudFormation schema: a table's "
        "`TableName` or key, a queue's `QueueName` or `FifoQueue`, a bucket's `BucketName`) of a "
        "stateful resource that is already deployed. CloudFormation would create a new, empty "
        "resource and delete the old one with its data.",
        example='# deployed: TableName core-dev-users\ntable UsersTable {\n  name = "users-{stage}"\n}',
        fix="Keep the deployed value in the project (`infrac import` writes it); rename in a separate, "
        "deliberate data migration.",
    ),
    Code(
        "E0852", E, "the move would remove or change an export in use",
        "A deployed stack exports a value that another deployed stack imports, and the project's "
        "template for that stack no longer exports it (or exports another value). CloudFormation "
        "refuses such an update; the plan would stop half way.",
        example="# deployed: infrastructure-cognito exports infrastructure-cognito-dev-UserPoolArn, core imports it",
        fix="Keep the export under the same name with the same value (`export arn` on the resource); "
        "retire it only after every importer has stopped importing it.",
    ),
    Code(
        "E0853", E, "a stateful resource cannot be moved",
        "The resource moves to another stack, but stack refactoring does not take its type and "
        "resource import cannot either (the type has no resource schema or no primary identifier). "
        "Moving it would mean deleting it and creating a new one.",
        example="# a Custom:: resource holding data, moved to another stack",
        fix="Keep the resource in the stack it is in, and refer to it from the new stacks.",
    ),
    Code(
        "E0854", E, "a reference cannot follow a moved resource",
        "A resource that stays refers to one that moves (`Ref`, `Fn::GetAtt`, `Fn::Sub`). After the "
        "move the reference can only be an import of the project's export of that attribute, and "
        "the project does not export it; or, on the retain-and-import path, the value cannot be "
        "written out while the resource is between stacks (a stream ARN, a generated ID).",
        example="# core keeps a function whose environment has Ref: UsersTable;\n"
        "# infrastructure-dynamodb moves UsersTable but does not export its name",
        fix="Export the attribute from the resource's new stack (`export name, arn`), or use stack "
        "refactoring (`--strategy refactor`), which keeps references as imports.",
    ),
    Code(
        "E0855", E, "the simulated execution refused a step",
        "`infrac plan-move` executes every plan in its CloudFormation simulator before writing it. "
        "A step was refused there (a rule of CloudFormation, or a resource lost on the way), so "
        "the real execution would fail or lose data at that step.",
        example="# a refactor whose destination template changes a property",
        fix="Read the reason; fix the project or the deployed templates given, and plan again.",
    ),
    Code(
        "E0856", E, "the deployed state is not known",
        "A stack given with `--from` is not the template CloudFormation holds: a Serverless service "
        "file (its `resources`, without the functions, roles, event source mappings and API the "
        "framework generates), or a template with a `Transform` (CloudFormation holds the template "
        "the transform produces). A plan made from it would deploy that partial template over the "
        "stack, deleting what it leaves out, so `infrac plan-move` writes no script from it.",
        example="infrac plan-move infra.new --from core/serverless.yml --out plan",
        fix="Give the deployed template: `aws cloudformation get-template --stack-name core-dev "
        "--template-stage Processed --query TemplateBody --output json > core-dev.json`, then "
        "`--from core-dev=core-dev.json`. `--preview` makes a plan to review from the file, without a script.",
    ),
    Code(
        "E0857", E, "a stack the plan would deploy is not given",
        "The plan would deploy a stack it has no deployed template of: a consumer of the project (a "
        "stack with its own service, which is deployed already), or a stack whose named resources "
        "`infra.lock` records as built. What it creates may collide with what exists, and what the "
        "stack holds beside it would go unseen.",
        example="infrac plan-move infra.new --from infrastructure-cognito-dev=cognito.json --out plan\n"
        "# the project's consumer core (core-dev) is not given",
        fix="Give the stack's deployed template with `--from STACK=FILE`, or say that it was never "
        "deployed with `--new STACK`.",
    ),
    Code(
        "E0858", E, "the service refuses the update",
        "The project changes a property that the service cannot update, and that CloudFormation does "
        "not replace either (the resource reference says \"Updates are not supported\", or the "
        "service's documentation says the value is fixed at creation: a DynamoDB table's local "
        "secondary indexes, a Cognito user pool's username attributes or an existing schema "
        "attribute), or it changes a resource's type. The deploy would fail and roll back. "
        "Each finding names the AWS page that says so.",
        example="# deployed: LocalSecondaryIndexes [ByDate]; the project adds ByAmount",
        fix="Keep the deployed value. A new value needs a new resource (a new logical ID and name) and "
        "a migration of the data.",
    ),
    Code(
        "E0859", E, "the consumer's next template is not known",
        "A consumer (a stack with its own Serverless service) is among the deployed stacks, and its "
        "deploy is a step of the plan, but the template its new service deploys is not known: the "
        "Serverless Framework is not found, packaging failed, or `--consumer` does not give it. "
        "Without it, a resource the new service no longer declares would be deleted unseen.",
        example="infrac plan-move infra.new --from core-dev=core-dev.json --out plan   # no serverless on PATH",
        fix="Install the Serverless Framework or name it with `--serverless COMMAND`, or run "
        "`serverless package --stage dev --package DIR` in the service's folder and give "
        "`--consumer core-dev=DIR/cloudformation-template-update-stack.json`.",
    ),
    Code(
        "W0850", W, "a preview from input that is not the deployed state",
        "With `--preview`, a stack is given as a Serverless service file (or a template with a "
        "`Transform`). The plan sees its `resources`, not what the framework generates from it "
        "(functions, roles, event source mappings), which refer to the resources that move too. "
        "The preview is for review: it has no script (without `--preview` this is E0856).",
        example="infrac plan-move --from core/serverless.yml --out plan --preview",
        fix="Give the deployed template: `aws cloudformation get-template --stack-name core-dev "
        "--query TemplateBody > core-dev.json`, then `--from core-dev=core-dev.json`.",
    ),
    Code(
        "W0851", W, "a consumer's resource would change logical ID",
        "The Serverless Framework names an event source mapping after the `arn` it is given "
        "(`<Function>EventSourceMappingSQS<QueueLogicalId>`). When that `arn` becomes an import, the "
        "name changes, and CloudFormation deletes the old mapping and creates a new one. The plan "
        "writes the mapping under its old logical ID for the service's `resources` (with a policy "
        "granting what the framework granted for the event), so that nothing is replaced.",
        example="functions:\n  worker:\n    events:\n      - sqs: { arn: { Fn::GetAtt: [JobsQueue, Arn] } }",
        fix="Apply `consumers/<stack>.pinned.yml` from the plan: its resources into the service's "
        "`resources: Resources:`, and remove the event from the function.",
    ),
    Code(
        "W0852", W, "a retained resource is left unmanaged",
        "A deployed stack that the project now builds holds a stateful resource that the project "
        "does not declare. It has `DeletionPolicy: Retain`, so the final deploy removes it from the "
        "stack without deleting it; no stack manages it afterwards.",
        example="# deployed: infrastructure-s3 holds OldUploads (Retain); the project drops it",
        fix="Declare it in the project to keep managing it, or accept it as unmanaged.",
    ),
    Code(
        "W0853", W, "the move replaces a resource",
        "The project changes a create-only property of a deployed resource that holds no data (a "
        "rule, a policy, a mapping), so CloudFormation replaces it: a new one is created and the "
        "old one deleted. Nothing is lost, but for a moment both or neither may exist.",
        example="# deployed rule name core-dev-orders; the project names it orders-{stage}",
        fix="Keep the deployed value if the moment matters.",
    ),
    # ---- rule configuration and budgets ------------------------------------------------------------------
    Code(
        "E0901", E, "malformed suppression comment",
        "A comment that starts with `# infrac:` is a directive to infrac. The only one is "
        "`# infrac: allow CODE[, CODE...] -- reason`, which silences those warnings on the next "
        "line. The reason is required: reviewers judge it, and later readers learn why.",
        example="# infrac: allow W0601\ntable Users { deletion_policy = retain ... }",
        fix="Write `# infrac: allow W0601 -- the table is rebuilt from the event log`.",
    ),
    Code(
        "E0902", E, "an error cannot be silenced",
        "Errors are what CloudFormation or the service would refuse at deploy time, or input infrac "
        "cannot read. Neither a suppression comment nor the project's `warnings` setting can "
        "silence one or lower its level; only warnings can be allowed, turned off or made errors.",
        example="# infrac: allow E0601 -- we know",
        fix="Fix what the error reports; `infrac explain CODE` says how.",
    ),
    Code(
        "E0903", E, "unknown diagnostic code",
        "A suppression comment or the project's `warnings` setting names a code that infrac does "
        "not report, so it would silence or change nothing.",
        example="project shop {\n  warnings = { W6001: off }\n}",
        fix="Use a code from the diagnostics reference (the hint suggests the closest one).",
    ),
    Code(
        "E0910", E, "stack over a CloudFormation quota",
        "CloudFormation refuses a template with more than 500 resources, 200 outputs or 200 "
        "parameters, or a body over 1 MB (uploaded through S3). infrac counts them on the stack as "
        "rendered (a queue's dead-letter queue, a bucket's policy and the queue policies of rules "
        "count as resources; each export is an output) and measures the emitted bytes.",
        example="stack data {\n  # 501 tables\n}",
        fix="Split the stack: move a group of resources that belong together to a stack of its own "
        "and reference them across stacks (`stack.Resource.attribute`).",
    ),
    Code(
        "W0901", W, "unused suppression",
        "A `# infrac: allow CODE -- reason` comment silences nothing: no finding of that code "
        "starts on the next line. The finding is gone, or the comment is in the wrong place; a stale "
        "suppression would silently hide the next real finding there.",
        example="# infrac: allow W0601 -- kept on purpose\ntable Users { ... }   # no W0601 any more",
        fix="Remove the comment, or move it to the line just above the finding.",
    ),
    Code(
        "W0910", W, "stack near a CloudFormation quota",
        "The stack uses 90% or more of a CloudFormation quota (500 resources, 200 outputs, 200 "
        "parameters, a 1 MB template body). The next few resources will stop its deploys.",
        fix="Plan the split now: move a group of resources that belong together to a stack of its own.",
    ),
    Code(
        "W0911", W, "template too large to pass inline",
        "CloudFormation takes at most 51,200 bytes of template body in the request itself; a larger "
        "template must be uploaded to S3 first and passed by URL (`aws cloudformation deploy "
        "--s3-bucket`, or the Serverless Framework, which always uploads). A pipeline that passes "
        "`--template-body` fails.",
        fix="Deploy through an S3 bucket, or split the stack.",
    ),
]

CODES: dict[str, Code] = {entry.code: entry for entry in _ENTRIES}

#: The areas of the codes, by the two digits after the letter, in order.
AREAS = {
    "00": "reading the project: files, folders, the lock, the output folder",
    "01": "syntax",
    "02": "structure: declarations, blocks, attributes",
    "03": "values and types",
    "04": "references between resources and stacks",
    "05": "exports",
    "06": "rules that AWS enforces at deploy time",
    "07": "resource types from AWS's schemas, and replacement",
    "08": "migration: `infrac import` and `infrac plan-move`",
    "09": "rule configuration and CloudFormation's quotas",
}


def area(code: str) -> str:
    """The area of a code: its two digits after the letter.

    >>> AREAS[area("W0420")]
    'references between resources and stacks'
    """
    return code[1:3]


def render_list() -> str:
    """Every code, grouped by area, one line each, for ``infrac explain --list``."""
    lines: list[str] = []
    for number, title in AREAS.items():
        codes = sorted(c for c in CODES if area(c) == number)
        if not codes:
            continue
        prefixes = ", ".join(dict.fromkeys(f"{c[0]}{number}xx" for c in codes))
        lines += [*([""] if lines else []), f"{title} ({prefixes})"]
        lines += [f"  {c}  {CODES[c].title}" for c in codes]
    return "\n".join(lines) + "\n"

#: Where ``docs/diagnostics.md`` is published; each code has an anchor there
#: (``#e0402``), which SARIF output gives as the rule's ``helpUri``.
REFERENCE_URL = "https://github.com/infrac/infrac/blob/main/docs/diagnostics.md"


def help_uri(code: str) -> str:
    """The link to a code's entry in the diagnostics reference.

    >>> help_uri("E0402")
    'https://github.com/infrac/infrac/blob/main/docs/diagnostics.md#e0402'
    """
    return f"{REFERENCE_URL}#{code.lower()}"


def render_markdown() -> str:
    """The diagnostics reference, ``docs/diagnostics.md``."""
    lines = [
        "# Diagnostics reference",
        "",
        "<!-- Generated from compiler/infrac/diagnostics/codes.py by `make docs`; do not edit. -->",
        "",
        "Every diagnostic infrac prints has a code. `infrac explain CODE` prints its entry.",
        "",
        "| code | severity | title |",
        "|---|---|---|",
    ]
    for entry in _ENTRIES:
        lines.append(f"| [{entry.code}](#{entry.code.lower()}) | {entry.severity.value} | {entry.title} |")
    for entry in _ENTRIES:
        lines += ["", f"## {entry.code}", "", f"**{entry.title}** ({entry.severity.value})", "", entry.explanation]
        if entry.example:
            lines += ["", "Example:", "", "```", entry.example, "```"]
        if entry.fix:
            lines += ["", f"Fix: {entry.fix}"]
    return "\n".join(lines) + "\n"


def render_text(code: str) -> str:
    """One entry as plain text, for ``infrac explain``."""
    entry = CODES[code]
    parts = [f"{entry.code} ({entry.severity.value}): {entry.title}", "", entry.explanation]
    if entry.example:
        parts += ["", "Example:", "", *("    " + line for line in entry.example.splitlines())]
    if entry.fix:
        parts += ["", f"Fix: {entry.fix}"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_markdown())
