"""An XSOAR-style Python loop for the tests: what the server runs as PID 1 in an
integration's container, written after XSOAR's public loop (`Utils/_script_docker_python_loop.py`
in demisto/content) and the built-in `demisto` class of newer servers.

    python3 loop.py legacy|modern

It reads the server's lines on stdin: `ping` is answered `{"type": "pong"}`; a calling context
(one JSON line with the code in `script`) is run with `demisto` in scope, then
`{"type": "completed"}` is written; `native: true` ends the loop after that execution, and so
does end of input. An uncaught exception becomes `{"type": "exception", ...}` with the
traceback lines; `SystemExit` is not an error. The environment is restored after each
execution, as the real loop does.

The flavours differ in the `demisto` object the code gets:
- legacy: the public loop's class: get/setIntegrationContext, get/setLastRun, results,
  log/info/debug/error; an error reply is a line starting with `$$##`;
- modern: a newer server's class: also getIntegrationContextVersioned,
  setIntegrationContextVersioned, mapObject and searchIndicators; getIntegrationContext
  returns the context inside the reply; an error reply carries the `[ERROR-...]` marker.
"""

import json
import os
import sys
import traceback

ERROR_MARKER = '[ERROR-fd5a7750-7182-4b38-90ba-091824478903]'


def send(message):
    sys.stdout.write(json.dumps(message) + '\n')
    sys.stdout.flush()


def read_line():
    return sys.stdin.readline()


class LegacyDemisto(object):
    def __init__(self, context):
        self.callingContext = context

    def _request(self, message):
        send(message)
        reply = read_line()
        if reply.find('$$##') > -1:
            raise ValueError(reply[4:].strip())
        return json.loads(reply)

    def _execute(self, command, args):
        return self._request({'type': 'executeCommand', 'command': command, 'args': args})

    def args(self):
        return self.callingContext.get('args', {})

    def params(self):
        return self.callingContext.get('params', {})

    def command(self):
        return self.callingContext.get('command', '')

    def log(self, msg):
        send({'type': 'entryLog', 'args': {'message': 'Integration log: ' + msg}})

    def info(self, *args):
        self._request({'type': 'log', 'command': 'info', 'args': {'args': list(args)}})

    def debug(self, *args):
        self._request({'type': 'log', 'command': 'debug', 'args': {'args': list(args)}})

    def error(self, *args):
        self._request({'type': 'log', 'command': 'error', 'args': {'args': list(args)}})

    def getLastRun(self):
        return self._execute('getLastRun', {})

    def setLastRun(self, value):
        return self._execute('setLastRun', {'value': value})

    def getIntegrationContext(self):
        return self._execute('getIntegrationContext', {})

    def setIntegrationContext(self, value):
        return self._execute('setIntegrationContext', {'value': value})

    def _convert(self, results):
        if isinstance(results, dict):
            if 'Contents' in results and 'ContentsFormat' in results:
                return results
            return {'Type': 1, 'Contents': json.dumps(results), 'ContentsFormat': 'json'}
        if isinstance(results, list):
            return [self._convert(r) for r in results]
        if isinstance(results, bytes):
            return {'Type': 1, 'Contents': results.decode('utf-8'), 'ContentsFormat': 'text'}
        return {'Type': 1, 'Contents': str(results), 'ContentsFormat': 'text'}

    def results(self, results):
        converted = self._convert(results)
        send({'type': 'result',
              'results': converted if isinstance(converted, list) else [converted]})


class ModernDemisto(LegacyDemisto):
    def _request(self, message):
        send(message)
        reply = read_line()
        position = reply.find(ERROR_MARKER)
        if position > -1:
            raise ValueError(reply[position + len(ERROR_MARKER):].strip())
        return json.loads(reply)

    def getIntegrationContext(self):
        return self.getIntegrationContextVersioned(False).get('context', {})

    def getIntegrationContextVersioned(self, refresh=False):
        return self._execute('getIntegrationContext', {'refresh': refresh})

    def setIntegrationContext(self, value):
        version = {'version': -1, 'sequenceNumber': -1, 'primaryTerm': -1}
        return self._execute('setIntegrationContext',
                             {'value': value, 'version': version, 'sync': False})

    def setIntegrationContextVersioned(self, value, version=-1, sync=False):
        return self._execute('setIntegrationContext',
                             {'value': value, 'version': version, 'sync': sync})

    def mapObject(self, source, mapper, mapperType=''):
        return self._execute('mapObject',
                             {'source': source, 'mapper': mapper, 'mapperType': mapperType})

    def searchIndicators(self, fromDate='', query='', size=100, page=0, toDate='', value='',
                         searchAfter=None, populateFields=None):
        args = {'fromDate': fromDate, 'query': query, 'size': size, 'page': page,
                'toDate': toDate, 'value': value}
        if searchAfter is not None:
            args['searchAfter'] = searchAfter
        if populateFields is not None:
            args['populateFields'] = populateFields
        return self._execute('searchIndicators', args)


def main():
    flavour = sys.argv[1] if len(sys.argv) > 1 else 'modern'
    demisto_class = LegacyDemisto if flavour == 'legacy' else ModernDemisto
    saved_environment = dict(os.environ)
    while True:
        line = read_line()
        if line == '':
            break
        if line.strip() == 'ping':
            send({'type': 'pong'})
            continue
        context = json.loads(line)
        code = context.pop('script', '')
        try:
            compiled = compile(code, '<integration>', 'exec')
            scope = {'demisto': demisto_class(context), 'context': context}
            exec(compiled, scope, scope)
        except SystemExit:
            pass
        except Exception:
            send({'type': 'exception', 'args': {'exception': traceback.format_exc().splitlines(True)}})
        os.environ.clear()
        os.environ.update(saved_environment)
        send({'type': 'completed'})
        if context.get('native'):
            break


if __name__ == '__main__':
    main()
