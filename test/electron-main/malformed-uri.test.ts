// Issue 19: a malformed URI (a bad %-escape in a neurovis:// link, a file:// URL on the
// command line, an app:// request, a TF.js shard path) is dropped or named, never a raw URIError.
import { describe, expect, it } from 'vitest';
import { resolveAppUrl } from '../../electron/main/app-protocol';
import { filesFromArgv, parseNeurovisLink } from '../../electron/main/argv';
import { parseNeuronLink } from '../../renderer/src/domain/neuron-link';

const BAD = ['%E0%A4%A', '%', '%zz', '%C0%AF', '%ED%A0%80'];

describe('malformed URIs', () => {
  it('the CLI arguments of a launch: a file:// URL that does not decode is skipped, the others kept', () => {
    for (const bad of BAD) {
      const argv = ['neurovis', `file:///home/ada/${bad}.onnx`, 'good.onnx'];
      expect(() => filesFromArgv(argv, { defaultApp: false, cwd: '/home/ada', platform: 'linux' })).not.toThrow();
      expect(filesFromArgv(argv, { defaultApp: false, cwd: '/home/ada', platform: 'linux' })).toContain('/home/ada/good.onnx');
    }
  });

  it('neurovis:// links with a bad escape are taken as written or refused, never thrown', () => {
    for (const bad of BAD) {
      const link = `neurovis://open?file=/models/${bad}.onnx&layer=${bad}&neuron=1`;
      expect(() => parseNeurovisLink(link)).not.toThrow();
      expect(() => parseNeuronLink(link)).not.toThrow();
      expect(() => parseNeuronLink(`#model=${bad}&layer=x&neuron=0`)).not.toThrow();
    }
    expect(parseNeurovisLink('neurovis://open?file=/models/net.onnx&layer=conv&neuron=%zz')).toBeNull();
  });

  it('app:// requests that do not decode are refused (404), not thrown', () => {
    for (const bad of BAD) expect(resolveAppUrl(`app://neurovis/${bad}`, '/srv/app')).toBeNull();
  });
});
