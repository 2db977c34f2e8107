"""okta-iam relay: runs the okta-iam daemon for one XSOAR execution.

XSOAR runs this code under its Python loop with a `demisto` object in scope. For each
execution the relay starts `okta-iam serve` (the binary named by OKTA_IAM_BIN, else `okta-iam`
on PATH) with its own pipes, writes the calling context as one line with `native: true` (only
what the daemon reads of it), and bridges the daemon's messages to the server until
`completed`:

- `executeCommand` requests (integration context, last run, mapObject, searchIndicators) go to
  the matching `demisto` method; a server-side failure is answered with the error marker the
  daemon understands;
- `result` messages go to `demisto.results`;
- an `exception` message, a daemon that dies early or one that overruns the time limit is
  raised as an exception carrying the tail of the daemon's stderr.

The daemon is always reaped: the loop is PID 1 in the container and reaps nothing. No secret
goes on the daemon's command line or into its environment; the instance params (with the
token) travel only in the calling context on its stdin.

Python 3 standard library only. The source of this file lives in the okta-iam repository
(src/xsoar/relay.py) and is embedded into the integration YAML at build time.
"""

import collections
import json
import os
import queue
import shutil
import subprocess
import threading
import time

ERROR_MARKER = '[ERROR-fd5a7750-7182-4b38-90ba-091824478903]'
# Proxy variables the daemon's HTTP client would honour; kept only when `proxy` is set.
PROXY_VARIABLES = ('http_proxy', 'https_proxy', 'all_proxy', 'no_proxy',
                   'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY')
# Secrets the daemon would read from its environment: the token comes from the params only.
SECRET_VARIABLES = ('OKTA_API_TOKEN', 'SCIM_API_TOKEN')
# The vendor the daemon serves (`--vendor`); the manifest writes the one it is generated for.
VENDOR = 'okta'
# Seconds one execution may take when the server does not say (the daemon's own command
# deadline is 120 s; the margin covers start-up and the server's replies).
DEFAULT_TIMEOUT_SECONDS = 300
# Seconds the daemon gets to exit after `completed` before it is killed.
EXIT_GRACE_SECONDS = 10
STDERR_TAIL_LINES = 40
STDERR_TAIL_CHARS = 4000
# The keys of the calling context's `context` object the daemon reads.
DAEMON_CONTEXT_KEYS = ('IntegrationBrand', 'IntegrationInstance', 'IsDebug')
SEARCH_INDICATOR_ARGS = ('fromDate', 'query', 'size', 'page', 'toDate', 'value',
                         'searchAfter', 'populateFields')


class RelayError(Exception):
    """A failure of the relay or the daemon, shown by the server as the command's error."""


def okta_iam_binary():
    path = os.environ.get('OKTA_IAM_BIN')
    if path:
        if not os.path.isfile(path):
            raise RelayError('okta-iam binary not found: OKTA_IAM_BIN is %s, which does not '
                             'exist; check the integration\'s Docker image setting' % path)
        return path
    path = shutil.which('okta-iam')
    if not path:
        raise RelayError('okta-iam binary not found: set OKTA_IAM_BIN or put okta-iam on '
                         'PATH (the okta-iam Docker image has it at /usr/local/bin/okta-iam); '
                         'check the integration\'s Docker image setting')
    return path


def is_true(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ('true', 'yes', '1', 'on')


def child_environment(params):
    env = dict(os.environ)
    for name in SECRET_VARIABLES:
        env.pop(name, None)
    if not is_true((params or {}).get('proxy', False)):
        for name in PROXY_VARIABLES:
            env.pop(name, None)
    return env


def execution_timeout(calling_context):
    inner = calling_context.get('context') or {}
    for key in ('TimeoutDuration', 'Timeout'):
        value = inner.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            # Go durations arrive in nanoseconds; plain numbers in seconds.
            seconds = value / 1e9 if value > 1e6 else value
            return max(1.0, float(seconds))
    return float(DEFAULT_TIMEOUT_SECONDS)


class StderrTail(object):
    """Drains the daemon's stderr on a thread, keeping only its last lines."""

    def __init__(self, stream):
        self.lines = collections.deque(maxlen=STDERR_TAIL_LINES)
        self.thread = threading.Thread(target=self._drain, args=(stream,))
        self.thread.daemon = True
        self.thread.start()

    def _drain(self, stream):
        for raw in iter(stream.readline, b''):
            self.lines.append(raw.decode('utf-8', 'replace').rstrip('\n'))
        stream.close()

    def text(self):
        self.thread.join(1)
        text = '\n'.join(self.lines)
        return text[-STDERR_TAIL_CHARS:]


def read_lines(stream, lines):
    """Puts every stdout line of the daemon on a queue; None at end of output."""
    for raw in iter(stream.readline, b''):
        lines.put(raw)
    lines.put(None)
    stream.close()


class Server(object):
    """The server side of the daemon's requests, through the loop's `demisto` object."""

    def __init__(self, api):
        self.api = api

    def answer(self, command, args):
        handler = {
            'getIntegrationContext': self.get_integration_context,
            'setIntegrationContext': self.set_integration_context,
            'getLastRun': self.get_last_run,
            'setLastRun': self.set_last_run,
            'mapObject': self.map_object,
            'searchIndicators': self.search_indicators,
        }.get(command)
        if handler is None:
            raise RelayError('the relay does not bridge the request ' + str(command))
        return handler(args or {})

    def get_integration_context(self, args):
        if hasattr(self.api, 'getIntegrationContextVersioned'):
            reply = self.api.getIntegrationContextVersioned(bool(args.get('refresh', False)))
            if isinstance(reply, dict) and 'context' in reply:
                return reply
            return {'context': reply or {}}
        reply = self.api.getIntegrationContext()
        # Some loops hand back the server's envelope, others the context itself.
        if isinstance(reply, dict) and 'context' in reply and 'version' in reply:
            return {'context': reply.get('context') or {}, 'version': reply.get('version')}
        return {'context': reply or {}}

    def set_integration_context(self, args):
        value = args.get('value') or {}
        if hasattr(self.api, 'setIntegrationContextVersioned'):
            version = args.get('version', -1)
            if isinstance(version, dict) and all(v == -1 for v in version.values()):
                version = -1
            self.api.setIntegrationContextVersioned(value, version, bool(args.get('sync', True)))
        else:
            self.api.setIntegrationContext(value)
        return {}

    def get_last_run(self, args):
        reply = self.api.getLastRun()
        return reply if isinstance(reply, dict) else {}

    def set_last_run(self, args):
        self.api.setLastRun(args.get('value') or {})
        return {}

    def map_object(self, args):
        if not hasattr(self.api, 'mapObject'):
            raise RelayError('this server has no mapObject')
        return self.api.mapObject(args.get('source'), args.get('mapper'), args.get('mapperType'))

    def search_indicators(self, args):
        if not hasattr(self.api, 'searchIndicators'):
            raise RelayError('this server has no searchIndicators')
        kwargs = dict((k, args[k]) for k in SEARCH_INDICATOR_ARGS if k in args)
        return self.api.searchIndicators(**kwargs)


def reply_line(server, request):
    """One reply line for a daemon request: the server's answer, or the error marker."""
    try:
        reply = server.answer(request.get('command'), request.get('args'))
        return json.dumps(reply if reply is not None else {}) + '\n'
    except Exception as error:  # the server's own failure goes back to the daemon
        message = str(error).replace('\n', ' ').strip() or type(error).__name__
        return ERROR_MARKER + ' ' + message + '\n'


def stop(process):
    """Makes sure the daemon is gone and reaped."""
    if process.poll() is None:
        try:
            process.kill()
        except OSError:
            pass
    try:
        process.wait(EXIT_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        pass


def run(api, calling_context):
    """Runs one execution through the daemon. Raises RelayError on any failure."""
    command = calling_context.get('command', '')
    params = calling_context.get('params') or {}
    inner = calling_context.get('context') or {}
    log_level = 'debug' if inner.get('IsDebug') else 'info'
    # What the daemon reads of the calling context; the server's execution context (the
    # incident, its context data, ...) can be large and is not needed.
    message = {
        'command': command,
        'args': calling_context.get('args') or {},
        'params': params,
        'context': dict((k, inner[k]) for k in DAEMON_CONTEXT_KEYS if k in inner),
        'native': True,
    }
    line = (json.dumps(message) + '\n').encode('utf-8')
    deadline = time.monotonic() + execution_timeout(calling_context)
    binary = okta_iam_binary()
    try:
        process = subprocess.Popen(
            [binary, 'serve', '--vendor', VENDOR, '--log-level', log_level],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=child_environment(params), close_fds=True)
    except OSError as error:
        raise RelayError('cannot start okta-iam (%s): %s' % (binary, error))
    stderr = StderrTail(process.stderr)
    lines = queue.Queue()
    reader = threading.Thread(target=read_lines, args=(process.stdout, lines))
    reader.daemon = True
    reader.start()
    server = Server(api)
    exception = None
    try:
        try:
            process.stdin.write(line)
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the daemon died at once: reported below with its stderr
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RelayError('okta-iam did not complete %s within %d seconds.%s'
                                 % (command, execution_timeout(calling_context),
                                    stderr_note(stderr)))
            try:
                raw = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if raw is None:
                code = process.wait(EXIT_GRACE_SECONDS)
                raise RelayError('okta-iam exited (code %s) before completing %s.%s'
                                 % (code, command, stderr_note(stderr)))
            try:
                msg = json.loads(raw.decode('utf-8'))
            except ValueError:
                continue  # stdout carries protocol messages only; nothing else is expected
            if not isinstance(msg, dict):
                continue
            kind = msg.get('type')
            if kind == 'executeCommand':
                try:
                    process.stdin.write(reply_line(server, msg).encode('utf-8'))
                    process.stdin.flush()
                except (BrokenPipeError, OSError):
                    pass  # the daemon died: its end of output is reported with its stderr
            elif kind == 'result':
                if msg.get('results'):
                    api.results(msg['results'])
            elif kind == 'exception':
                detail = (msg.get('args') or {}).get('exception')
                exception = detail if isinstance(detail, str) else json.dumps(detail)
            elif kind == 'completed':
                break
        try:
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(EXIT_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    finally:
        stop(process)
    log_text = stderr.text()
    if log_text and hasattr(api, 'debug'):
        try:
            api.debug('okta-iam log for %s:\n%s' % (command, log_text))
        except Exception:
            pass  # logging is best effort; the results are already with the server
    if exception is not None:
        raise RelayError('okta-iam failed in %s: %s%s' % (command, exception, stderr_note(stderr)))


def stderr_note(stderr):
    text = stderr.text()
    return ('\nokta-iam stderr (last lines):\n' + text) if text else ''


def main():
    run(demisto, demisto.callingContext)  # noqa: F821 (the loop provides `demisto`)


if __name__ in ('__main__', '__builtin__', 'builtins'):
    main()
