"""Validates XSOAR content files against demisto-sdk's own schemas, read from its wheel.

    python validate.py DEMISTO_SDK_WHEEL KIND=FILE [KIND=FILE ...]

KIND is a schema name under demisto_sdk/commands/common/schemas/ (integration, mapper,
classifier). Files may be YAML or JSON. Validation uses pykwalify, as demisto-sdk does.
Prints one line per file; exits 1 when any file fails, 2 on a usage error.
"""

import os
import sys
import tempfile
import zipfile

from pykwalify.core import Core

SCHEMAS = 'demisto_sdk/commands/common/schemas/'


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    wheel, items = argv[1], argv[2:]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as archive:
        for item in items:
            kind, _, path = item.partition('=')
            schema = os.path.join(tmp, kind + '.yml')
            if not os.path.exists(schema):
                with open(schema, 'wb') as out:
                    out.write(archive.read(SCHEMAS + kind + '.yml'))
            try:
                Core(source_file=path, schema_files=[schema]).validate(raise_exception=True)
                print('valid %s: %s' % (kind, path))
            except Exception as error:  # pykwalify raises its own SchemaError and others
                failed += 1
                print('INVALID %s: %s: %s' % (kind, path, error))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
