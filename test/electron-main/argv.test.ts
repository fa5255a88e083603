import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { filesFromArgv, linkFromArgv, parseNeurovisLink } from '../../electron/main/argv';

const cwd = '/home/ada/models';

describe('filesFromArgv', () => {
  it('takes the files after the executable of a packaged app', () => {
    expect(filesFromArgv(['/opt/Neurovis/neurovis', 'mnist.onnx', '/data/net.h5'], { defaultApp: false, cwd, platform: 'linux' })).toEqual([
      '/home/ada/models/mnist.onnx',
      '/data/net.h5',
    ]);
  });

  it('skips Chromium switches, macOS -psn and the app path of `electron .`', () => {
    const argv = ['/usr/lib/electron/electron', '--inspect=0', '--remote-debugging-port=0', '.', '--enable-logging', 'a.onnx', '-psn_0_1234', 'b.npz'];
    expect(filesFromArgv(argv, { defaultApp: true, cwd, platform: 'linux' })).toEqual(['/home/ada/models/a.onnx', '/home/ada/models/b.npz']);
  });

  it('is what Playwright launches: electron [flags] out/main/index.js fixture', () => {
    const argv = ['electron', '--no-sandbox', '--inspect=0', '--remote-debugging-port=0', 'out/main/index.js', 'test/fixtures/x.onnx'];
    expect(filesFromArgv(argv, { defaultApp: true, cwd: '/repo', platform: 'linux' })).toEqual(['/repo/test/fixtures/x.onnx']);
  });

  it('treats everything after -- as files, even names starting with a dash', () => {
    expect(filesFromArgv(['neurovis', '--', '-odd.npy'], { defaultApp: false, cwd, platform: 'linux' })).toEqual(['/home/ada/models/-odd.npy']);
  });

  it('turns file:// URLs (Linux desktop entries) into paths and ignores other URLs', () => {
    const url = pathToFileURL('/tmp/my model.onnx').href;
    expect(url).toContain('%20');
    expect(filesFromArgv(['neurovis', url, 'https://example.com/m.onnx', 'neurovis://open'], { defaultApp: false, cwd, platform: 'linux' })).toEqual([
      path.normalize('/tmp/my model.onnx'),
    ]);
  });

  it('resolves against the second instance’s working directory and drops duplicates', () => {
    expect(filesFromArgv(['neurovis', 'm.onnx', './m.onnx', '', 'sub/../m.onnx'], { defaultApp: false, cwd: '/work', platform: 'linux' })).toEqual(['/work/m.onnx']);
  });

  it('understands Windows paths on Windows', () => {
    const argv = ['C:\\Program Files\\Neurovis\\Neurovis.exe', '--allow-file-access-from-files', 'model.onnx', 'D:\\nets\\cnn.h5'];
    expect(filesFromArgv(argv, { defaultApp: false, cwd: 'C:\\Users\\ada', platform: 'win32' })).toEqual(['C:\\Users\\ada\\model.onnx', 'D:\\nets\\cnn.h5']);
  });

  it('gives nothing for a bare launch', () => {
    expect(filesFromArgv(['/Applications/Neurovis.app/Contents/MacOS/Neurovis'], { defaultApp: false, cwd: '/', platform: 'darwin' })).toEqual([]);
    expect(filesFromArgv(['electron', '.'], { defaultApp: true, cwd: '/', platform: 'linux' })).toEqual([]);
  });
});

describe('neurovis:// links', () => {
  it('name a model file and a neuron (as the app\'s Copy link writes them)', () => {
    expect(parseNeurovisLink('neurovis://open?file=%2Fhome%2Fada%2Fmy+net.onnx&layer=%2Fconv1%2FConv_output_0&neuron=12')).toEqual({ path: '/home/ada/my net.onnx', layer: '/conv1/Conv_output_0', neuron: 12 });
    expect(parseNeurovisLink('neurovis://open?file=C%3A%5Cm%5Cnet.onnx&layer=a&neuron=0')).toEqual({ path: 'C:\\m\\net.onnx', layer: 'a', neuron: 0 });
  });
  it('refuse relative files, bad neurons and other URLs', () => {
    expect(parseNeurovisLink('neurovis://open?file=net.onnx&layer=a&neuron=1')).toBeNull();
    expect(parseNeurovisLink('neurovis://open?file=%2Fnet.onnx&layer=a&neuron=-1')).toBeNull();
    expect(parseNeurovisLink('https://example.com/?file=/a')).toBeNull();
  });
  it('are found on a command line, and are not taken for files', () => {
    const argv = ['/opt/Neurovis/neurovis', '--enable-logging', 'neurovis://open?file=%2Fm%2Fa.onnx&layer=x&neuron=3'];
    expect(linkFromArgv(argv)).toEqual({ path: '/m/a.onnx', layer: 'x', neuron: 3 });
    expect(filesFromArgv(argv, { defaultApp: false, cwd, platform: 'linux' })).toEqual([]);
  });
});
