import { getHost } from '../host/index';
import { specFile, type Example, type TrainedExample } from '../examples/index';
import { useBuilder } from '../stores/builder';
import { useModel } from '../stores/model';
import { messageOf, useNotices } from '../stores/notices';
import { sortExtraFiles } from '../../../workers/settings/validate';

/** The intents the toolbar, the start screen and the menus send. */
export function useActions() {
  const model = useModel();
  const builder = useBuilder();
  const notices = useNotices();

  async function openModel(): Promise<void> {
    try {
      const opened = await getHost().openModel();
      if (opened && (await model.open(opened))) builder.close();
    } catch (e) {
      notices.error(messageOf(e));
    }
  }

  async function openDrop(data: DataTransfer): Promise<void> {
    try {
      const dropped = await getHost().readDrop(data);
      // As the CLI does: the model and its companions are opened, any other file is refused by name.
      const { kept, refused } = sortExtraFiles(dropped.files);
      const opened = { ...dropped, files: kept, errors: [...dropped.errors, ...refused] };
      if (opened.files.length === 0 && opened.errors.length === 0) return;
      if (await model.open(opened)) builder.close();
    } catch (e) {
      notices.error(messageOf(e));
    }
  }

  async function openRecent(key: string): Promise<void> {
    try {
      if (await model.open(await getHost().openRecent(key))) builder.close();
    } catch (e) {
      notices.error(messageOf(e), key);
    }
  }

  async function openExample(example: Example): Promise<void> {
    if (await model.open({ files: [specFile(example.spec)], errors: [] }, 'example')) builder.close();
  }

  async function openTrainedExample(example: TrainedExample): Promise<void> {
    let bytes: Uint8Array;
    try {
      const response = await fetch(example.url());
      if (!response.ok) throw new Error(`${example.fileName}: HTTP ${response.status}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      notices.error(messageOf(e), example.fileName);
      return;
    }
    if (await model.open({ files: [{ name: example.fileName, bytes }], errors: [] }, 'example')) builder.close();
  }

  return { openModel, openDrop, openRecent, openExample, openTrainedExample, openBuilder: () => builder.start() };
}
