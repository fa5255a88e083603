export { ZipArchive, ZipError, isZip, type ZipEntry } from './zip';
