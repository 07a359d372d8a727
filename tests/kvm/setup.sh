#!/usr/bin/env bash
# Prepare this machine as a real KVM/QEMU host for the tests (as root, Debian 12, no systemd):
# libvirtd from Debian's packages, and a tiny guest (Debian's kernel + a busybox initramfs
# that prints a marker and powers off on the ACPI power button). Idempotent.
# Prints the guest's kernel and initramfs paths. ../shared/libvirt-notes.md says why each step.
set -euo pipefail
CACHE=${JAVELIN_KVM_CACHE:-/var/cache/javelin-kvm}
mkdir -p "$CACHE"

need=""
for p in libvirt-daemon libvirt-clients qemu-system-x86 busybox-static; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

# libvirtd looks this user up before it reads qemu.conf, and exits without it.
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
id libvirt-qemu >/dev/null 2>&1 || useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
if ! grep -q "javelin" /etc/libvirt/qemu.conf 2>/dev/null; then
  mkdir -p /etc/libvirt
  cat > /etc/libvirt/qemu.conf <<CONF
# javelin test host
user = "root"
group = "root"
security_driver = "none"
stdio_handler = "file"
CONF
fi
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  LIBVIRT_LOG_OUTPUTS="3:file:$CACHE/libvirtd.log" libvirtd -d -p "$CACHE/libvirtd.pid"
  for _ in $(seq 1 50); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.2; done
fi
virsh -c qemu:///system version >/dev/null

if [ ! -s "$CACHE/vmlinuz" ] || [ ! -s "$CACHE/initramfs.cpio.gz" ]; then
  work=$(mktemp -d)
  cd "$work"
  pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  apt-get download -qq "$pkg"
  dpkg-deb --fsys-tarfile ./*.deb | tar -x ./boot ./lib/modules
  cp boot/vmlinuz-* "$CACHE/vmlinuz"
  mkdir -p root/bin root/proc root/sys root/dev root/etc/acpi/PWRF root/modules
  cp /bin/busybox root/bin/busybox
  for tool in sh mount insmod acpid poweroff sleep echo cat; do ln -sf busybox "root/bin/$tool"; done
  for mod in evdev button; do
    f=$(find lib/modules -name "$mod.ko*" | head -1)
    case "$f" in *.xz) xz -dc "$f" > "root/modules/$mod.ko" ;; *) cp "$f" "root/modules/$mod.ko" ;; esac
  done
  printf '#!/bin/sh\npoweroff -f\n' > root/etc/acpi/PWRF/00000080
  chmod +x root/etc/acpi/PWRF/00000080
  cat > root/init <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
insmod /modules/evdev.ko
insmod /modules/button.ko
echo JAVELIN-GUEST-BOOTED
acpid -d -c /etc/acpi &
while true; do sleep 60; done
INIT
  chmod +x root/init
  (cd root && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -9 > "$CACHE/initramfs.cpio.gz")
  cd / && rm -rf "$work"
fi
echo "$CACHE/vmlinuz $CACHE/initramfs.cpio.gz"
