import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileAccessError, MAX_FILE_BYTES, formatBytes, readValidatedFile, validateFilePath } from '../../electron/main/file-access';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'neurovis-files-'));
  await writeFile(path.join(dir, 'model.onnx'), new Uint8Array([8, 7, 18, 4, 116, 101, 115, 116]));
  await writeFile(path.join(dir, 'empty.npy'), new Uint8Array());
  await writeFile(path.join(dir, 'big.h5'), new Uint8Array(4096));
  await mkdir(path.join(dir, 'folder.onnx'));
  await symlink(path.join(dir, 'model.onnx'), path.join(dir, 'link.onnx'));
});

async function rejection(promise: Promise<unknown>): Promise<FileAccessError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FileAccessError);
    return error as FileAccessError;
  }
  throw new Error('expected a FileAccessError');
}

describe('validateFilePath and readValidatedFile', () => {
  it('read a regular file: name, absolute path and every byte', async () => {
    const file = await readValidatedFile(path.join(dir, 'model.onnx'));
    expect(file.name).toBe('model.onnx');
    expect(file.path).toBe(path.join(dir, 'model.onnx'));
    expect([...file.bytes]).toEqual([8, 7, 18, 4, 116, 101, 115, 116]);
    expect((await readValidatedFile(path.join(dir, 'empty.npy'))).bytes.length).toBe(0);
  });

  it('follow a symbolic link to a regular file', async () => {
    expect((await readValidatedFile(path.join(dir, 'link.onnx'))).bytes.length).toBe(8);
  });

  it('refuse a missing file, a folder, a relative path and things that are not paths', async () => {
    expect((await rejection(readValidatedFile(path.join(dir, 'gone.onnx')))).message).toBe(`gone.onnx: no such file (${path.join(dir, 'gone.onnx')})`);
    expect((await rejection(readValidatedFile(path.join(dir, 'folder.onnx')))).message).toBe('folder.onnx: is a folder, not a file');
    expect((await rejection(readValidatedFile('model.onnx'))).message).toBe('model.onnx: not an absolute path');
    expect((await rejection(readValidatedFile(42))).message).toBe('not a file path');
    expect((await rejection(readValidatedFile(''))).message).toBe('not a file path');
    expect((await rejection(readValidatedFile(`${dir}/a\0b`))).message).toBe('not a valid file path');
  });

  it('refuse a file over the size limit before reading it', async () => {
    const error = await rejection(readValidatedFile(path.join(dir, 'big.h5'), 1024));
    expect(error.message).toBe('big.h5: 4.0 KiB, more than the 1.0 KiB Neurovis reads');
    expect(MAX_FILE_BYTES).toBe(2 ** 31);
    expect(formatBytes(MAX_FILE_BYTES)).toBe('2.0 GiB');
  });

  it.runIf(process.platform !== 'win32')('refuse a named pipe without blocking on it', async () => {
    const fifo = path.join(dir, 'pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    expect((await rejection(validateFilePath(fifo))).message).toBe('pipe.onnx: not a regular file');
    expect((await rejection(readValidatedFile(fifo))).message).toBe('pipe.onnx: not a regular file');
  });

  it('normalise the path it returns', async () => {
    const checked = await validateFilePath(path.join(dir, 'sub', '..', 'model.onnx'));
    expect(checked).toEqual({ path: path.join(dir, 'model.onnx'), name: 'model.onnx', size: 8 });
  });
});
